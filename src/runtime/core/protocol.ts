import type { AuthErrorCode } from './errors'

/**
 * What the module's parts agree on, written once: the module registers these names and routes, the guard
 * recognises them, the relay answers with these statuses and the browser maps them back to codes.
 */

/**
 * Sent with a server render's backend requests to this app, its value random per build and known to the server only
 * (shared/server-render-mark.ts). A page render that receives it was reached by one: the backend's endpoint is a
 * page of this app (a base URL that points at it, a backend route that does not exist), and checking the session
 * there would send the next such request, each render waiting on the one it started. Per build, not per process:
 * behind a load balancer the next render may be another instance's, and two instances would pass it back and forth.
 */
export const RENDER_HEADER = 'x-gatekeeper-render'

/** Names a page can list the guard under: `gatekeeper-auth`, `auth`, and the incumbent's `sidebase-auth`. */
export const AUTH_MIDDLEWARE_NAMES = ['gatekeeper-auth', 'auth', 'sidebase-auth'] as const

/**
 * The global guard's own name: not one of those above, since Nuxt lists a global middleware under no name a page can
 * use, and an app's own `middleware/auth.ts` must not replace it.
 */
export const GLOBAL_GUARD_NAME = 'gatekeeper-global-guard'
/** The global middleware that runs first of all and tells the guard a navigation has begun. */
export const NAVIGATION_START_NAME = 'gatekeeper-navigation-start'

/**
 * The relay routes: the browser's strategy calls them, the module registers them. `httpOnly`: registered when
 * page scripts cannot touch the token cookie. `refresh`: whenever the app has a server and refresh tokens, so
 * the rotated cookies are set by the response and survive the page unloading mid-refresh.
 */
export const RELAY_ROUTES = {
  session: { path: '/api/_auth/session', method: 'get', file: 'session', when: 'httpOnly' },
  signIn: { path: '/api/_auth/signin', method: 'post', file: 'signin', when: 'httpOnly' },
  signUp: { path: '/api/_auth/signup', method: 'post', file: 'signup', when: 'httpOnly' },
  signOut: { path: '/api/_auth/signout', method: 'post', file: 'signout', when: 'httpOnly' },
  refresh: { path: '/api/_auth/refresh', method: 'post', file: 'refresh', when: 'refresh' },
} as const

/**
 * What the browser's relay strategy (app/relay.ts) has, in the shape of a provider's `clientCapabilities`: no
 * refresh of its own (the refresh route wraps it when there is one) and no provider actions. The browser's stand-in
 * strategy is generated from it (module.ts).
 */
export const RELAY_CLIENT_CAPABILITIES: { readonly refresh: boolean, readonly actions: readonly string[] } = { refresh: false, actions: [] }

/** The HTTP status each code travels with from the relay routes (the backend's own status wins when known). */
export const ERROR_STATUS: Readonly<Record<AuthErrorCode, number>> = {
  INVALID_CREDENTIALS: 401,
  UNAUTHORIZED: 401,
  REFRESH_REFUSED: 401,
  CSRF: 403,
  BAD_REQUEST: 400,
  RATE_LIMITED: 429,
  ENDPOINT_DISABLED: 404,
  NOT_SUPPORTED: 404,
  SUPERSEDED: 409,
  TIMEOUT: 504,
  NETWORK: 502,
  SERVER: 502,
  BAD_RESPONSE: 502,
}

/** True for a string that is one of our error codes (a relayed body is only trusted for these). */
export function isAuthErrorCode(value: unknown): value is AuthErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value)
}

/** `auth.relayHeaders` when the app sets none. */
export const DEFAULT_RELAY_HEADERS: readonly string[] = ['accept-language']

/** An RFC 9110 token: what a header name, and a cookie name (RFC 6265), may be. */
export const HTTP_TOKEN = /^[!#$%&'*+\-.^\w`|~]+$/

// Headers that say who sent a request, where it goes or how it travels: a relay sets them itself or not at all.
const UNRELAYABLE = /^(?:host|cookie|authorization|origin|referer|user-agent|via|forwarded|proxy-.*|x-forwarded-.*|x-real-ip|true-client-ip|x-client-ip|cf-connecting-ip|fastly-client-ip|x-cluster-client-ip|x-original-(?:url|host|forwarded-for)|x-rewrite-url|x-host|x-http-method(?:-override)?|x-method-override|content-length|content-type|content-encoding|connection|transfer-encoding|upgrade|te|trailer|keep-alive|accept-encoding|expect)$/i

/** True for a header name `auth.relayHeaders` may list (see UNRELAYABLE). */
export function isRelayableHeader(name: string): boolean {
  return HTTP_TOKEN.test(name) && !UNRELAYABLE.test(name)
}

/**
 * What is wrong with `value` as a `baseURL`, or null when it is a path on this app (`/api/auth`) or a full http(s)
 * URL without credentials. Endpoint paths are joined onto it, so a space, a query, a hash or a backslash in it would
 * break every request.
 */
export function baseURLProblem(value: string): string | null {
  if (/\s/.test(value)) return 'contains whitespace'
  if (/[?#]/.test(value)) return 'has a query or a hash: endpoint paths are joined onto it'
  if (value.includes('\\')) return 'contains a backslash'
  if (value.startsWith('/')) return value.startsWith('//') ? 'starts with //, which names another host' : null
  if (!/^https?:\/\/[^/]/i.test(value) || !URL.canParse(value)) return 'is neither a path (\'/api/auth\') nor a full http(s) URL'
  const url = new URL(value)
  return url.username || url.password ? 'carries user info (user:password@)' : null
}

/** `value` with its user info (`user:password@`) hidden: for messages that show a URL. */
export function withoutUserInfo(value: string): string {
  return value.replace(/^([a-z][\w+.-]*:\/\/)[^/]*@/i, '$1…@')
}
