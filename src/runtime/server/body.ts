import { createError, getRequestHeader, readRawBody, setResponseHeader, type H3Event } from 'h3'
import { BodyTooLargeError, collectWithin, DEFAULT_MAX_BODY_BYTES } from '../core'
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
  const request = event.node.req as typeof event.node.req & { [Symbol.asyncIterator]?: unknown }
  try {
    if ('__unenv__' in request || !request.socket || typeof request[Symbol.asyncIterator] !== 'function') {
      const body = await readRawBody(event, false)
      if (body && body.length > limit) throw new BodyTooLargeError(limit)
      return body && body.length > 0 ? new Uint8Array(body) : undefined
    }
    return await collectWithin(request as AsyncIterable<Uint8Array>, limit, Number(getRequestHeader(event, 'content-length') ?? Number.NaN))
  }
  catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error
    // The rest of the body is never read: the connection closes after the answer.
    setResponseHeader(event, 'connection', 'close')
    throw createError({ statusCode: 413, statusMessage: 'Payload Too Large', data: { authError: { code: 'BAD_REQUEST', message: error.message } } })
  }
}

/** The JSON object in the body (within the limit); no body is an empty object, anything but JSON a 400. */
export async function readJsonWithin<T extends object>(event: H3Event): Promise<Partial<T>> {
  const body = await readBodyWithin(event)
  if (!body) return {}
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(body))
    return typeof parsed === 'object' && parsed !== null ? parsed as Partial<T> : {}
  }
  catch {
    throw createError({ statusCode: 400, statusMessage: 'Bad Request', data: { authError: { code: 'BAD_REQUEST', message: 'The request body is not JSON' } } })
  }
}
