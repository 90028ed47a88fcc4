import { createError, defineEventHandler, getProxyRequestHeaders, getRequestURL, getRequestWebStream, sendStream, setResponseHeader, setResponseStatus, type H3Event } from 'h3'
import { useRuntimeConfig } from '#imports'
import { formatAuthorization } from '../../core/token'
import { refreshOnServer, responseSent } from '../../shared/server-refresh'
import { refuseCrossSite } from '../relay'
import { freshToken } from '../session'

/**
 * `auth.forward`: `{ '/api/upstream': 'https://api.example.com/v1' }`. A request to `/api/upstream/orders?x=1`
 * goes to `https://api.example.com/v1/orders?x=1` with the visitor's access token attached here (the browser
 * cannot read an httpOnly cookie), refreshed first when due; a 401 refreshes and retries once when the request
 * has no body to send again. Bodies stream both ways. Only the configured upstream is ever called.
 */

// Hop-by-hop (RFC 9110 §7.6.1) and what identifies the visitor to this app, not to the upstream.
const DROPPED_REQUEST_HEADERS = new Set(['connection', 'keep-alive', 'proxy-authorization', 'proxy-authenticate', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'cookie', 'authorization', 'host', 'content-length'])
// fetch() hands over the body decoded and re-chunked: its length and encoding headers no longer apply; the
// upstream's cookies are for its own site, not this app's.
const DROPPED_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-encoding', 'content-length', 'set-cookie'])

/** The configured prefix this request falls under, and the upstream URL it goes to; null when it escapes. */
function upstreamURL(event: H3Event, routes: Record<string, string>): string | null {
  const url = getRequestURL(event)
  for (const [prefix, upstream] of Object.entries(routes)) {
    const base = prefix.replace(/\/$/, '')
    if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) continue
    const rest = url.pathname.slice(base.length)
    // Encoded slashes and dot segments could climb out of the upstream's path: refused, not normalised.
    if (/%2f|%5c|\\/i.test(rest) || rest.split('/').some(segment => segment === '..' || segment === '.' || /^%2e/i.test(segment))) return null
    const target = new URL(upstream.replace(/\/$/, '') + rest + url.search)
    const allowed = new URL(upstream)
    return target.origin === allowed.origin && target.pathname.startsWith(allowed.pathname.replace(/\/$/, '')) ? target.href : null
  }
  return null
}

function upstreamHeaders(event: H3Event, authorization: { name: string, value: string } | null): Headers {
  const headers = new Headers()
  for (const [name, value] of Object.entries(getProxyRequestHeaders(event))) {
    if (!DROPPED_REQUEST_HEADERS.has(name.toLowerCase()) && typeof value === 'string') headers.set(name, value)
  }
  if (authorization) headers.set(authorization.name, authorization.value)
  return headers
}

export default defineEventHandler(async (event) => {
  refuseCrossSite(event)
  const routes = (useRuntimeConfig(event).auth as { forward?: Record<string, string> } | undefined)?.forward ?? {}
  const target = upstreamURL(event, routes)
  if (!target) throw createError({ statusCode: 400, statusMessage: 'Bad forwarding path' })
  // The visitor's token (the cookie, or an Authorization header useAuthFetch sent), refreshed first when due.
  const { token, renewed, relay } = await freshToken(event)
  const header = relay.config.token!
  const authorizationFor = (token: string | null) => (token ? { name: header.headerName, value: formatAuthorization(header.type, token) } : null)
  const hasBody = !['GET', 'HEAD'].includes(event.method) && (event.node.req.headers['content-length'] !== '0') && (event.node.req.headers['content-length'] !== undefined || event.node.req.headers['transfer-encoding'] !== undefined)

  const send = (token: string | null) => fetch(target, {
    method: event.method,
    headers: upstreamHeaders(event, authorizationFor(token)),
    body: hasBody ? getRequestWebStream(event) as ReadableStream : undefined,
    // Node's fetch streams a request body only half-duplex.
    ...(hasBody ? { duplex: 'half' } : {}),
    redirect: 'manual',
  } as RequestInit).catch((error: unknown) => {
    console.warn(`[nuxt-gatekeeper] forward: ${target} could not be reached: ${(error as Error)?.message ?? error}`)
    throw createError({ statusCode: 502, statusMessage: 'Bad Gateway' })
  })

  let response = await send(token)
  // Refused: a refresh (one per browser, see refreshOnServer) and one more try, when the body can be sent again.
  // Not after a refresh this request made already: an upstream that refuses fresh tokens gets no refresh storm.
  if (response.status === 401 && token && !renewed && relay.strategy.refresh && relay.tokens.refreshToken()) {
    const renewed = await refreshOnServer(relay.strategy, relay.context, relay.tokens, () => responseSent(event)).then(() => relay.tokens.token(), () => null)
    if (renewed && !hasBody) {
      await response.body?.cancel()
      response = await send(renewed)
    }
  }
  setResponseStatus(event, response.status, response.statusText)
  for (const [name, value] of response.headers) {
    if (!DROPPED_RESPONSE_HEADERS.has(name)) setResponseHeader(event, name, value)
  }
  if (!response.body) return null
  return sendStream(event, response.body)
})
