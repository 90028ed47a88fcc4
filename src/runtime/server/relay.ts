import { createError, getHeader, getRequestHost, getRequestIP, getRequestProtocol, setResponseHeader, type H3Event } from 'h3'
import strategy from '#auth-provider'
import { AuthError, DEFAULT_RELAY_HEADERS, ERROR_STATUS, isAuthError, isRelayableHeader, type AuthErrorCode, type ClientStrategy } from '../core'
import { serverSettings } from '../shared/server-settings'
import { requestJar } from '../shared/event-jar'
import { serverAuthConfig } from './config'
import { requestEndpoint } from '../shared/request'
import { createStrategyContext } from '../shared/strategy-context'
import { createTokenStore, isSendableToken } from '../shared/token-store'
import { storageFailure } from './sessions/request'
import { SessionStorageError } from './sessions/store'

/**
 * The server half of httpOnly token cookies (and of every browser refresh): the browser cannot read or write
 * the token, so it asks these routes, which run the provider's own strategy here with this request's cookies
 * as the token store. The server utilities (session.ts) use the same context.
 */
export function relayContext(event: H3Event, { bearer = false }: { bearer?: boolean } = {}) {
  const config = serverAuthConfig()
  if (!config.token) throw createError({ statusCode: 404 })
  const cookies = requestJar(event)
  // `bearer`: an access token in the request's token header (API clients, useAuthFetch) comes first.
  const fromHeader = bearer ? headerToken(event, config.token) : null
  const jar = fromHeader ? { ...cookies, read: (name: string) => (name === config.token!.cookie.name ? fromHeader : cookies.read(name)) } : cookies
  const tokens = createTokenStore(jar, { token: config.token, refreshToken: config.refreshToken })
  const allowed = relayableHeaders(serverSettings().relayHeaders ?? DEFAULT_RELAY_HEADERS)
  return {
    config,
    tokens,
    /** The access token came from the token header (token.headerName), not the cookie. */
    fromHeader: fromHeader !== null,
    context: createStrategyContext({ config, tokens, forwarded: forwardedHeaders(event), loadRequest: () => requestEndpoint }),
    strategy: strategy as ClientStrategy<unknown>,
    /** The headers the browser asked to pass on that `auth.relayHeaders` allows; the rest are dropped. */
    forwardableHeaders(headers: unknown): Record<string, string> {
      if (typeof headers !== 'object' || headers === null) return {}
      return Object.fromEntries(Object.entries(headers as Record<string, unknown>)
        .filter(([name, value]) => typeof value === 'string' && allowed.has(name.toLowerCase()))) as Record<string, string>
    },
  }
}

/**
 * The token in the header the module sends it in (`token.headerName`, `Authorization` by default), formatted as
 * `<type> <token>` (type '' means the bare token), or null. Anything else is no token of ours and is ignored (the
 * cookie decides): with type '', `Basic …` that a browser sends by itself to a host behind basic auth.
 */
export function headerToken(event: H3Event, { headerName, type }: { headerName: string, type: string }): string | null {
  const header = getHeader(event, headerName)?.trim()
  if (!header) return null
  if (!type) return isSendableToken(header) ? header : null
  const [scheme, token, ...rest] = header.split(/\s+/)
  return scheme?.toLowerCase() === type.toLowerCase() && token && rest.length === 0 && isSendableToken(token) ? token : null
}

const refusedHeaderNames = new Set<string>()

/**
 * The allow-list as configured. nuxt.config is checked at build; NUXT_AUTH_RELAY_HEADERS at run time is not,
 * so a name that may not be relayed (cookie, authorization, …) is dropped here and said once in the log.
 */
function relayableHeaders(configured: unknown): Set<string> {
  // From the environment a list may come as JSON (an array) or as "a, b".
  const names = Array.isArray(configured) ? configured : typeof configured === 'string' ? configured.split(',') : []
  const allowed = new Set<string>()
  for (const name of names.map(entry => String(entry).trim().toLowerCase()).filter(Boolean)) {
    if (isRelayableHeader(name)) allowed.add(name)
    else if (!refusedHeaderNames.has(name)) {
      refusedHeaderNames.add(name)
      console.warn(`[nuxt-gatekeeper] auth.relayHeaders (NUXT_AUTH_RELAY_HEADERS) lists "${name}", which is never passed on to the backend (the module sets it itself, or it would leak the visitor's credentials); it is ignored: remove it from the list`)
    }
  }
  return allowed
}

/**
 * The browser's request as this server saw it, for the backend: its address appended to the forwarding
 * chain it came with (as a proxy does; the last entry is the one this server vouches for), the host and
 * protocol it was sent to, its user agent.
 */
export function forwardedHeaders(event: H3Event): Record<string, string> {
  const headers: Record<string, string> = {
    'x-forwarded-host': getRequestHost(event, { xForwardedHost: false }),
    'x-forwarded-proto': getRequestProtocol(event, { xForwardedProto: false }),
  }
  const address = getRequestIP(event, { xForwardedFor: false })
  const chain = getHeader(event, 'x-forwarded-for')
  if (address) headers['x-forwarded-for'] = chain ? `${chain}, ${address}` : address
  const userAgent = getHeader(event, 'user-agent')
  if (userAgent) headers['user-agent'] = userAgent
  return headers
}

/**
 * Login CSRF: a cross-site page could post a form here to sign the victim into the attacker's account.
 * Forms cannot send JSON, and browsers say where a request comes from.
 */
export function assertSameOriginJson(event: H3Event) {
  const mediaType = (getHeader(event, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (mediaType !== 'application/json' || !isSameOrigin(event)) {
    throw relayError(new AuthError('CSRF', 'Cross-site request refused: send JSON from this app'), 403)
  }
}

/**
 * A request another site's page made the browser send (a link, an image), refused; clients that are no browser
 * send neither header and pass. For GET routes that still change cookies (the session check may refresh).
 */
export function refuseCrossSite(event: H3Event) {
  const site = getHeader(event, 'sec-fetch-site')
  // Browsers without Sec-Fetch-Site send no Origin on a cross-site GET, but usually a Referer.
  const crossSite = site ? site !== 'same-origin' && site !== 'none' : (getHeader(event, 'origin') ?? getHeader(event, 'referer')) !== undefined && !isSameOrigin(event)
  if (crossSite) throw relayError(new AuthError('CSRF', 'Cross-site request refused'), 403)
}

/** `Sec-Fetch-Site` where the browser sends it (https, localhost); else `Origin`, else `Referer`, must match the host. */
function isSameOrigin(event: H3Event): boolean {
  const site = getHeader(event, 'sec-fetch-site')
  if (site) return site === 'same-origin' || site === 'none'
  const host = getRequestHost(event, { xForwardedHost: false })
  const source = getHeader(event, 'origin') ?? getHeader(event, 'referer')
  if (!source) return false
  try {
    return new URL(source).host === host
  }
  catch {
    return false
  }
}

/**
 * A backend's error body as the browser may see it: without what an h3 or Nitro backend adds about itself, the
 * address it was called at (`url`, a full URL with the host inside the network) and, in its development mode, the
 * `stack`. The rest (validation details, a lockout's explanation) is the backend's answer to the request.
 */
function withoutBackendInternals(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body
  const { url, stack: _stack, ...rest } = body as Record<string, unknown>
  const address = typeof url === 'string' && /^[a-z][a-z\d+.-]*:\/\//i.test(url)
  return address || url === undefined ? rest : { ...rest, url }
}

/**
 * An h3 error that carries the AuthError's code, so the browser gets the same typed error. `backendBody`: the
 * backend's error body goes with it, for the requests the browser made with what it sent (sign-in, sign-up: a form's
 * validation details, a lockout's explanation). Never for the requests made with the httpOnly cookies (a session
 * check, a refresh, a sign-out): a backend that echoes what it refused would hand those tokens to page scripts.
 */
export function relayError(error: unknown, status?: number, { backendBody = false }: { backendBody?: boolean } = {}) {
  const authError = isAuthError(error) ? error : new AuthError('BAD_RESPONSE', 'Unexpected failure', { cause: error })
  // The message can name the backend's internal URL: it stays in the server's log, the browser gets the code.
  // A 404/405 is the set-up's fault (an endpoint's path or method), whatever the request: logged, naming the option.
  const setUpFault = authError.code === 'BAD_REQUEST' && (authError.status === 404 || authError.status === 405)
  // Session mode's storage, not the backend, failed (logged where it failed: sessions/request.ts, storageFailure).
  const storageDown = authError.cause instanceof SessionStorageError
  if (!storageDown && (!CLIENT_SIDE_CODES.has(authError.code) || setUpFault)) console.warn(`[nuxt-gatekeeper] relay: ${authError.code}: ${authError.message}`)
  return createError({
    // The backend's own status where there was one, so the browser sees what SSR would see.
    statusCode: status ?? authError.status ?? ERROR_STATUS[authError.code] ?? 500,
    statusMessage: storageDown ? 'SESSION_STORAGE_UNAVAILABLE' : authError.code,
    // `data` is the backend's error body: relayed when it answers the browser's own request (see backendBody), never
    // for the backend's own failures (a 5xx page, a stack trace, an address inside the network).
    data: { authError: { code: authError.code, message: storageDown ? 'The session storage is unavailable' : RELAYED_MESSAGE[authError.code], data: backendBody && RELAYED_DATA_CODES.has(authError.code) && !setUpFault ? withoutBackendInternals(authError.data) : undefined } },
    // Kept (never sent) for the route's `Retry-After` (relay-route.ts).
    cause: authError,
  })
}

/** Session mode's storage failure as the browser sees it: 503 with `Retry-After`, never a 401 that would sign anybody out. */
export function storageUnavailable(event: H3Event, error: SessionStorageError) {
  const failure = storageFailure(error)
  passRetryAfter(event, failure)
  return relayError(failure)
}

/**
 * The backend's wait (a rate limit, a 503 for maintenance), when it said one, passed on as `Retry-After` to whoever
 * called this server: for an AuthError or a relayed one (relayError keeps it as the cause).
 */
export function passRetryAfter(event: H3Event, error: unknown) {
  const cause = isAuthError(error) ? error : (error as { cause?: unknown } | null)?.cause
  const retryAfterMs = isAuthError(cause) ? cause.retryAfterMs : undefined
  if (retryAfterMs !== undefined) setResponseHeader(event, 'retry-after', Math.ceil(retryAfterMs / 1000))
}

/** Codes about the request itself (a wrong password, a CSRF refusal): expected, not worth a server log line. */
const CLIENT_SIDE_CODES: ReadonlySet<AuthErrorCode> = new Set(['INVALID_CREDENTIALS', 'UNAUTHORIZED', 'REFRESH_REFUSED', 'CSRF', 'BAD_REQUEST', 'SUPERSEDED'])

/** Codes whose backend error body the browser gets, as it would calling the backend itself (readable cookies). */
const RELAYED_DATA_CODES: ReadonlySet<AuthErrorCode> = new Set([...CLIENT_SIDE_CODES, 'RATE_LIMITED'])

/** What the browser is told: the code's meaning, nothing about the backend's address or internals. */
const RELAYED_MESSAGE: Readonly<Record<AuthErrorCode, string>> = {
  INVALID_CREDENTIALS: 'The credentials were refused',
  UNAUTHORIZED: 'The backend refused the session',
  REFRESH_REFUSED: 'The backend refused the refresh token',
  NETWORK: 'The authentication backend could not be reached',
  TIMEOUT: 'The authentication backend did not answer in time',
  SERVER: 'The authentication backend failed',
  BAD_REQUEST: 'The backend rejected the request',
  RATE_LIMITED: 'The authentication backend asks to be called less often',
  BAD_RESPONSE: 'The authentication backend gave an answer that could not be used',
  ENDPOINT_DISABLED: 'This endpoint is disabled',
  CSRF: 'Cross-site request refused: send JSON from this app',
  NOT_SUPPORTED: 'Not supported by this provider',
  SUPERSEDED: 'A sign-in in this browser replaced the tokens this request was refreshing: ask again',
}
