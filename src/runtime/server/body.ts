import type { IncomingMessage } from 'node:http'
import { createError, getRequestHeader, readRawBody, setResponseHeader, type H3Event } from 'h3'
import { BodyTooLargeError, DEFAULT_MAX_BODY_BYTES } from '../core'
import { unholdable } from '../shared/request'
import { serverSettings } from '../shared/server-settings'

/** `auth.maxBodyBytes` (env NUXT_AUTH_MAX_BODY_BYTES), the default when unset. */
export function maxBodyBytes(): number {
  return Number(serverSettings().maxBodyBytes) || DEFAULT_MAX_BODY_BYTES
}

/**
 * The raw body within `limit`; a larger one is a 413 before it is buffered. In-process calls (a page render's or a
 * server route's `$fetch`) come from this server's own code and have no stream: their body is read as it is. Their
 * request is node-mock-http's (`__unenv__`), whose async iterator and socket exist but only throw.
 */
export async function readBodyWithin(event: H3Event, limit = maxBodyBytes()): Promise<Uint8Array | undefined> {
  const request = event.node.req
  try {
    // Also a request whose stream another handler has read already (h3 keeps what it read).
    if ('__unenv__' in request || !request.socket || request.readableEnded) {
      const body = await readRawBody(event, false)
      if (body && body.length > limit) throw new BodyTooLargeError(limit)
      return body && body.length > 0 ? new Uint8Array(body) : undefined
    }
    return await collectRequestWithin(request, limit, Number(getRequestHeader(event, 'content-length') ?? Number.NaN))
  }
  catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error
    // The rest of the body is never read: the connection closes after the answer.
    setResponseHeader(event, 'connection', 'close')
    throw createError({ statusCode: 413, statusMessage: 'Payload Too Large', data: { authError: { code: 'BAD_REQUEST', message: error.message } } })
  }
}

/**
 * Collects a request's body, but stops as soon as it passes `limit` bytes, before buffering more: the module's
 * routes are reachable by anybody, and a body is read before anything else about the request is checked.
 * `declaredLength` (Content-Length) lets an oversized body be refused before a byte is read.
 *
 * Read through its events, not its async iterator: leaving that loop early destroys the request and its socket
 * while the 413 is still to be written (Nitro's server then throws on the socket it tracks). Past the limit the
 * request is only paused; the answer closes the connection.
 */
export function collectRequestWithin(request: IncomingMessage, limit: number, declaredLength?: number): Promise<Uint8Array | undefined> {
  if (declaredLength !== undefined && Number.isFinite(declaredLength) && declaredLength > limit) return Promise.reject(new BodyTooLargeError(limit))
  return new Promise((resolve, reject) => {
    const parts: Uint8Array[] = []
    let size = 0
    const stop = () => {
      request.off('data', onData)
      request.off('end', onEnd)
      request.off('error', onError)
    }
    function onData(chunk: Uint8Array) {
      size += chunk.length
      if (size <= limit) return void parts.push(chunk)
      stop()
      request.pause()
      reject(new BodyTooLargeError(limit))
    }
    function onEnd() {
      stop()
      resolve(size === 0 ? undefined : Buffer.concat(parts, size))
    }
    function onError(error: Error) {
      stop()
      reject(error)
    }
    request.on('data', onData)
    request.once('end', onEnd)
    request.once('error', onError)
  })
}

/**
 * The JSON object in the body (within the limit); no body is an empty object, anything but JSON a 400, and so is
 * JSON no backend request can carry: nested deeper than any form (its serialiser would overflow, which looked like
 * a backend that could not be reached) or with a `__proto__` key.
 */
export async function readJsonWithin<T extends object>(event: H3Event): Promise<Partial<T>> {
  const body = await readBodyWithin(event)
  if (!body) return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder().decode(body))
  }
  catch {
    throw badRequest('The request body is not JSON')
  }
  const problem = unholdable(parsed)
  if (problem) throw badRequest(`The request body cannot be relayed: ${problem}`)
  return typeof parsed === 'object' && parsed !== null ? parsed as Partial<T> : {}
}

const badRequest = (message: string) => createError({ statusCode: 400, statusMessage: 'Bad Request', data: { authError: { code: 'BAD_REQUEST', message } } })
