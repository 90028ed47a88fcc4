import { createError, getRequestHeaders, getRequestWebStream, sendStream, setResponseHeader, setResponseStatus, type H3Event } from 'h3'
import { joinURL, parsePath } from 'ufo'
import { useRuntimeConfig } from '#imports'
import { isAuthError } from '../../core'
import { withoutUserInfo } from '../../core/protocol'
import { cleartextUpstreamWarning, sendsTokenInClear } from '../../shared/cleartext-upstream'
import { keepFromSharedCaches } from '../../shared/private-answer'
import { serverSettings } from '../../shared/server-settings'
import { forwardedHeaders, refuseCrossSite, relayError } from '../relay'
import { defineRelayRoute } from '../relay-route'
import { freshToken, mayRefreshAfterRefusal, refreshAfterRefusal } from '../session'

/**
 * `auth.forward`: `{ '/api/upstream': 'https://api.example.com/v1' }`. A request to `/api/upstream/orders?x=1`
 * goes to `https://api.example.com/v1/orders?x=1` with the visitor's access token attached here (the browser
 * cannot read an httpOnly cookie), refreshed first when due; with httpOnly cookies a 401 refreshes and retries
 * once when the request has no body to send again. Bodies stream both ways. Only the configured upstream is
 * ever called.
 */

// Hop-by-hop (RFC 9110 §7.6.1); what identifies the visitor to this app, not to the upstream; what describes
// the browser's request (set below from what this server saw, never as the browser claims); what fetch sets.
const DROPPED_REQUEST_HEADERS = new Set(['connection', 'keep-alive', 'proxy-authorization', 'proxy-authenticate', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'cookie', 'authorization', 'host', 'content-length', 'expect', 'accept-encoding', 'forwarded', 'x-real-ip', 'true-client-ip', 'cf-connecting-ip'])
// fetch() hands over the body decoded and re-chunked: its length and encoding headers no longer apply. The
// upstream's cookies are for its own site, and so are its instructions about a site: here the browser would apply
// them to this app's origin (Clear-Site-Data "cookies" deletes the token cookies, signing the visitor out; HSTS and
// Alt-Svc are the app's own to give).
const DROPPED_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-encoding', 'content-length', 'set-cookie', 'clear-site-data', 'strict-transport-security', 'alt-svc'])
// Instructions for the caches and proxies in front of the upstream: caching rules for CDNs (RFC 9213's
// CDN-Cache-Control and the vendors' *-CDN-Cache-Control, Surrogate-Control, Akamai's Edge-Control and
// Akamai-Cache-Control) and nginx's X-Accel-* (Expires, Redirect, …). A cache or nginx in front of this app would
// follow them over Cache-Control and keep a visitor's answer for everybody (the upstream saw the token; that cache
// sees only a cookie), or serve what the upstream names.
const FRONT_INSTRUCTIONS = /^(?:surrogate-control|edge-control|akamai-cache-control|(?:[a-z0-9]+-)*cdn-cache-control|x-accel-[a-z0-9-]+)$/

interface Route { prefix: string, upstream: URL }
/** A prefix whose upstream the environment made unusable (logged once): it answers 502, and no shorter prefix takes it. */
interface UnusableRoute { prefix: string, upstream: null }

/**
 * A `Location` on the upstream itself (a full URL, or a path under the upstream's path) as the same path under the
 * prefix, so the browser comes back through this route; any other as it is.
 */
function underPrefix(location: string, route: Route): string {
  // Protocol-relative (`//host/v1/x`): a full URL on the upstream's protocol.
  const written = location.startsWith('//') ? `${route.upstream.protocol}${location}` : location
  const pathOnly = written.startsWith('/')
  const start = (pathOnly ? route.upstream.pathname : route.upstream.href).replace(/\/$/, '')
  const rest = written.slice(start.length)
  // Only at a boundary: `/v1` is not the start of `/v10/x`. The prefix is under the app's base, as the browser sees it.
  return written.startsWith(start) && (rest === '' || '/?#'.includes(rest[0]!)) ? joinURL(useRuntimeConfig().app.baseURL || '/', route.prefix + rest) : location
}

/** The configured route this request falls under (the longest prefix), and the URL it goes to; null when it would leave the upstream. */
function upstreamFor(event: H3Event, routes: Array<Route | UnusableRoute>): { route: Route, target: string } | 'unusable' | null {
  // The path as sent and routed, without the app's base (app.baseURL, which h3 strips before this handler runs);
  // not getRequestURL's, which keeps the base and has dot segments already resolved.
  const url = parsePath(event.path)
  for (const route of routes) {
    if (url.pathname !== route.prefix && !url.pathname.startsWith(`${route.prefix}/`)) continue
    if (!route.upstream) return 'unusable'
    const rest = url.pathname.slice(route.prefix.length)
    // Encoded slashes, encoded dots anywhere and dot segments could climb out of the upstream's path: refused, not
    // normalised. A `;` parameter (`..;/`) makes a dot segment to servlet-style upstreams (Tomcat, Spring): refused too.
    if (/%2e|%2f|%5c|\\/i.test(rest) || rest.split('/').some(segment => /^\.\.?(?:;|$)/.test(segment))) return null
    const base = route.upstream.href.replace(/\/$/, '')
    const target = new URL(base + rest + url.search)
    const stays = target.origin === route.upstream.origin && (target.pathname === route.upstream.pathname.replace(/\/$/, '') || target.pathname.startsWith(route.upstream.pathname.replace(/\/?$/, '/')))
    return stays ? { route: route as Route, target: target.href } : null
  }
  return null
}

/**
 * The configured routes, longest prefix first; one whose upstream the environment made unusable has none. Parsed
 * (and anything wrong with them logged) once per settings object, which lives as long as the process.
 */
const parsedRoutes = new WeakMap<Record<string, string>, Array<Route | UnusableRoute>>()
function configuredRoutes(routes: Record<string, string>): Array<Route | UnusableRoute> {
  let parsed = parsedRoutes.get(routes)
  if (!parsed) parsedRoutes.set(routes, parsed = parseRoutes(routes))
  return parsed
}

function parseRoutes(routes: Record<string, string>): Array<Route | UnusableRoute> {
  const parsed: Array<Route | UnusableRoute> = []
  for (const [prefix, upstream] of Object.entries(routes)) {
    try {
      const url = new URL(upstream)
      if (!/^https?:$/.test(url.protocol) || url.username || url.password) throw new TypeError('not a plain http(s) URL')
      parsed.push({ prefix: prefix.replace(/\/$/, ''), upstream: url })
      // The environment (NUXT_AUTH_FORWARD) may set what the build never saw and warned about.
      if (sendsTokenInClear(url)) console.warn(`[nuxt-gatekeeper] ${cleartextUpstreamWarning(prefix, url.href)}`)
    }
    catch (error) {
      console.warn(`[nuxt-gatekeeper] auth.forward (NUXT_AUTH_FORWARD) maps ${prefix} to ${JSON.stringify(withoutUserInfo(String(upstream)))}, which is not usable (${(error as Error).message}): that prefix answers 502`)
      parsed.push({ prefix: prefix.replace(/\/$/, ''), upstream: null })
    }
  }
  return parsed.sort((a, b) => b.prefix.length - a.prefix.length)
}

/**
 * The headers the upstream gets: the browser's, less what is hop-by-hop, names this app's visitor or describes the
 * browser's request (set from what this server saw), and less the token header (`tokenHeader`, lower case), which
 * only `authorization` (the visitor's token as this route decided it) sets.
 */
export function upstreamHeaders(event: H3Event, tokenHeader: string, authorization: { name: string, value: string } | null): Headers {
  const incoming = getRequestHeaders(event)
  // Names the request's own Connection header lists are hop-by-hop too.
  const listed = new Set((incoming.connection ?? '').split(',').map(name => name.trim().toLowerCase()).filter(Boolean))
  const headers = new Headers()
  for (const [name, value] of Object.entries(incoming)) {
    const lower = name.toLowerCase()
    // x-gatekeeper-*: the module's own, between this app's parts (a render's mark, RENDER_HEADER): never to an upstream.
    // The token header (token.headerName) only as this route decides it: the visitor's token, or none.
    if (typeof value === 'string' && !DROPPED_REQUEST_HEADERS.has(lower) && lower !== tokenHeader && !listed.has(lower) && !lower.startsWith('x-forwarded-') && !lower.startsWith('x-gatekeeper-')) headers.set(name, value)
  }
  for (const [name, value] of Object.entries(forwardedHeaders(event))) headers.set(name, value)
  if (authorization) headers.set(authorization.name, authorization.value)
  return headers
}

// A relay route: its errors carry the backend's Retry-After, and its answers say private, no-store until the upstream's
// own headers replace that (checked again below).
export default defineRelayRoute(async (event) => {
  refuseCrossSite(event)
  const match = upstreamFor(event, configuredRoutes(serverSettings().forward ?? {}))
  // With a code, as every error of the module's routes (the server's log names the unusable upstream's problem).
  if (match === 'unusable') throw createError({ statusCode: 502, statusMessage: 'The forwarding route\'s upstream is not usable', data: { authError: { code: 'SERVER' } } })
  if (!match) throw createError({ statusCode: 400, statusMessage: 'Bad forwarding path', data: { authError: { code: 'BAD_REQUEST' } } })
  const { route, target } = match
  // The visitor's token (the cookie, or the token header useAuthFetch sent), refreshed first when due.
  const { token, renewed, relay } = await freshToken(event)
  const header = relay.config.token!
  const length = event.node.req.headers['content-length']
  const hasBody = !['GET', 'HEAD'].includes(event.method) && length !== '0' && (length !== undefined || event.node.req.headers['transfer-encoding'] !== undefined)

  // Given up when the browser goes away; each exchange with the upstream bounded by requestTimeout.
  const abort = new AbortController()
  let exchange = upstreamDeadline(relay.config.requestTimeout)
  event.node.res.once('close', () => {
    exchange.stop()
    if (!event.node.res.writableFinished) abort.abort()
  })
  const send = (current: string | null) => fetch(target, {
    method: event.method,
    headers: upstreamHeaders(event, header.headerName.toLowerCase(), relay.tokens.authorization(current)),
    body: hasBody ? getRequestWebStream(event) as ReadableStream : undefined,
    // Node's fetch streams a request body only half-duplex.
    ...(hasBody ? { duplex: 'half' } : {}),
    redirect: 'manual',
    signal: AbortSignal.any([abort.signal, exchange.signal]),
  } as RequestInit).then((answer) => {
    // From its answer's head to its body, the time is this route's (a refresh, storing the session), not the upstream's.
    exchange.pause()
    return answer
  }, (error: unknown) => {
    exchange.stop()
    console.warn(`[nuxt-gatekeeper] forward: ${route.upstream.origin} could not be reached: ${(error as Error)?.message ?? error}`)
    throw upstreamFailure(error)
  })

  let response = await send(token)
  // Refused: one refresh (see mayRefreshAfterRefusal), shared by the browser's requests, and one more try when the
  // body can be sent again.
  if (response.status === 401 && token && mayRefreshAfterRefusal(relay, token, renewed)) {
    let successor: string | null = null
    try {
      successor = await refreshAfterRefusal(event, relay)
    }
    catch (error) {
      // A refused refresh token is dead: its cookies go (a transient failure keeps them).
      if (isAuthError(error) && error.isVerdict) relay.tokens.clear()
    }
    // The browser went away meanwhile: nobody to answer, but what the refresh changed is still stored.
    if (abort.signal.aborted) {
      exchange.stop()
      await response.body?.cancel().catch(() => {})
      await relay.tokens.commit().catch(() => {})
      return null
    }
    if (successor && !hasBody) {
      await response.body?.cancel().catch(() => {})
      exchange.stop()
      exchange = upstreamDeadline(relay.config.requestTimeout)
      response = await send(successor)
    }
  }
  // Session mode: what the request changed (a refresh refused: the session ended) is stored before any of the answer
  // is set, so a storage failure answers 503 with none of the upstream's headers (its Location, its caching).
  await relay.tokens.commit().catch(async (error: unknown) => {
    await response.body?.cancel().catch(() => {})
    throw relayError(error)
  })
  setResponseStatus(event, response.status, response.statusText)
  const passed: string[] = []
  for (const [name, value] of response.headers) {
    if (DROPPED_RESPONSE_HEADERS.has(name) || FRONT_INSTRUCTIONS.test(name)) continue
    setResponseHeader(event, name, name === 'location' ? underPrefix(value, route) : value)
    passed.push(name)
  }
  // The upstream saw the token header; a shared cache in front of this app sees only a cookie.
  keepFromSharedCaches(event)
  if (!response.body) {
    exchange.stop()
    return null
  }
  exchange.resume()
  return sendStream(event, response.body).catch((error: unknown) => {
    // The browser went away: nobody to answer.
    if (abort.signal.aborted) return
    console.warn(`[nuxt-gatekeeper] forward: the answer of ${route.upstream.origin} was cut short: ${(error as Error)?.message ?? error}`)
    // Part of it was sent: the connection ends without the rest, so the browser sees an incomplete answer, not an ending.
    if (event.node.res.headersSent) return void event.node.res.destroy()
    // Nothing sent yet: the error, without the upstream's headers (its type, its caching) set for the answer it lost.
    for (const name of passed) event.node.res.removeHeader(name)
    setResponseHeader(event, 'cache-control', 'private, no-store')
    throw upstreamFailure(error)
  }).finally(() => exchange.stop())
})

/** An upstream that did not answer in time (504), or could not be reached or read (502). */
function upstreamFailure(error: unknown) {
  return (error as Error)?.name === 'TimeoutError'
    ? createError({ statusCode: 504, statusMessage: 'Gateway Timeout', data: { authError: { code: 'TIMEOUT' } } })
    : createError({ statusCode: 502, statusMessage: 'Bad Gateway', data: { authError: { code: 'NETWORK' } } })
}

/**
 * `requestTimeout` for one exchange with the upstream: the time it takes to answer and to send its body, paused
 * while this route works between the two (a refresh after its 401 waits on the backend and on a session's lock, with
 * bounds of their own), so the upstream's answer is not cut off by time the upstream did not take.
 */
function upstreamDeadline(ms: number) {
  const controller = new AbortController()
  let left = ms
  let started = 0
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const run = () => {
    started = Date.now()
    timer = setTimeout(() => controller.abort(new DOMException(`The upstream took longer than requestTimeout (${ms} ms)`, 'TimeoutError')), left)
  }
  run()
  return {
    signal: controller.signal,
    pause() {
      if (timer === undefined) return
      clearTimeout(timer)
      timer = undefined
      left = Math.max(0, left - (Date.now() - started))
    },
    resume() {
      if (timer === undefined && !stopped && !controller.signal.aborted) run()
    },
    stop() {
      stopped = true
      clearTimeout(timer)
      timer = undefined
    },
  }
}
