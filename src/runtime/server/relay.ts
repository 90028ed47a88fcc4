import { createError, deleteCookie, getCookie, getHeader, getRequestHost, setCookie, type H3Event } from 'h3'
import { useRuntimeConfig } from '#imports'
import strategy from '#auth-provider'
import { AuthError, isAuthError, type ClientStrategy, type StrategyContext } from '../core'
import { resolveAuthConfig } from '../shared/config'
import { endpointURL, requestEndpoint } from '../shared/request'

// Hop-by-hop, identity and routing headers: forwarding them from a browser would let it pose as someone else.
const UNFORWARDABLE = /^(?:host|cookie|authorization|proxy-.*|x-forwarded-.*|forwarded|x-real-ip|content-length|content-type|connection|transfer-encoding|upgrade|te|trailer|keep-alive|accept-encoding)$/i

/**
 * The server half of httpOnly token cookies: the browser cannot read or write the token, so it asks these
 * routes, which run the provider's own strategy here with the cookie as token store.
 */
export function relayContext(event: H3Event) {
  const config = resolveAuthConfig(useRuntimeConfig(event).public.auth)
  const token = config.token
  if (!token) throw createError({ statusCode: 404 })
  // What this request holds: the cookie it came with, then whatever storeToken() set.
  let current = getCookie(event, token.cookie.name) || null
  const read = () => current
  const context: StrategyContext<unknown> = {
    options: config.provider,
    token: read,
    refreshToken: () => null,
    error: (code, message, extra) => new AuthError(code, message, extra),
    url: path => endpointURL(config.baseURL, path),
    request: (endpoint, name, init) => requestEndpoint({
      baseURL: config.baseURL,
      timeout: config.requestTimeout,
      tokenHeader: token,
      storedToken: read,
    }, endpoint, name, init),
  }
  return {
    context,
    strategy: strategy as ClientStrategy<unknown>,
    /** Headers the browser asked to pass on to the backend, minus the ones that would impersonate or re-route. */
    forwardableHeaders(headers: unknown): Record<string, string> {
      if (typeof headers !== 'object' || headers === null) return {}
      return Object.fromEntries(Object.entries(headers as Record<string, unknown>)
        .filter(([name, value]) => typeof value === 'string' && !UNFORWARDABLE.test(name)) as Array<[string, string]>)
    },
    storeToken(value: string | null | undefined) {
      const { cookie } = token
      current = value || null
      if (!value) {
        deleteCookie(event, cookie.name, { path: '/', domain: cookie.domain || undefined })
        return
      }
      setCookie(event, cookie.name, value, {
        path: '/',
        httpOnly: true,
        maxAge: cookie.maxAge,
        sameSite: cookie.sameSite,
        secure: cookie.secure,
        domain: cookie.domain || undefined,
      })
    },
  }
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

const STATUS: Record<string, number> = {
  INVALID_CREDENTIALS: 401,
  UNAUTHORIZED: 401,
  REFRESH_REFUSED: 401,
  CSRF: 403,
  BAD_REQUEST: 400,
  ENDPOINT_DISABLED: 404,
  NOT_SUPPORTED: 404,
  TIMEOUT: 504,
  NETWORK: 502,
  SERVER: 502,
  BAD_RESPONSE: 502,
}

/** An h3 error that carries the AuthError's code, so the browser gets the same typed error. */
export function relayError(error: unknown, status?: number) {
  const authError = isAuthError(error) ? error : new AuthError('BAD_RESPONSE', 'Unexpected failure', { cause: error })
  return createError({
    // The backend's own status where there was one, so the browser sees what SSR would see.
    statusCode: status ?? authError.status ?? STATUS[authError.code] ?? 500,
    statusMessage: authError.code,
    // `data` is the backend's error body (validation details); BAD_RESPONSE bodies are never relayed.
    data: { authError: { code: authError.code, message: authError.message, data: authError.code === 'BAD_RESPONSE' ? undefined : authError.data } },
  })
}
