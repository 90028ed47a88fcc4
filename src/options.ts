import { findProvider, providers, unknownOptionKeys, type OptionShape, type ProviderOptions } from '../providers'
import type { OptionIssue } from '../providers/types'
import { DEFAULT_MAX_BODY_BYTES } from './runtime/core/body'
import { baseURLProblem, DEFAULT_RELAY_HEADERS, HTTP_TOKEN, isRelayableHeader, withoutUserInfo } from './runtime/core/protocol'
import type { PublicAuthConfig } from './runtime/core/config'
import type { ServerSettings } from './runtime/shared/server-settings'
import type { SharedStateSettings } from './runtime/shared/shared-state'

export type { PublicAuthConfig, SharedStateSettings }

export interface GlobalAppMiddlewareOptions {
  /** Protect every page that does not set `definePageMeta({ auth })`. @default false */
  isEnabled?: boolean
  /** Let unknown routes render Nuxt's 404 without signing in. @default true */
  allow404WithoutAuth?: boolean
  /**
   * Put the page the user wanted in the login page's `?redirect=` query (true), a fixed path (string),
   * or nothing (false). Also where `signIn()` without a `callbackUrl` or `?redirect=` lands: the page it was
   * called from (true; from a guest-only page, where that page sends signed-in users), the path (string), or
   * `navigateAuthenticatedTo` (false).
   * @default true
   */
  addDefaultCallbackUrl?: boolean | string
}

export interface SessionRefreshOptions {
  /**
   * Re-check the session every N milliseconds while signed in (`true` = every 1000 ms, as in
   * @sidebase/nuxt-auth). A fresh token is never refreshed by it; an expiring one is. @default false
   */
  enablePeriodically?: boolean | number
  /** Re-check the session when the tab becomes visible again (tokens near expiry are refreshed either way). @default true */
  enableOnWindowFocus?: boolean
  /** Refresh the access token this many seconds before it expires (at most a third of its lifetime). @default 30 */
  skewSeconds?: number
  /**
   * Path (relative to the app root, or an alias such as `~/`) of a module default-exporting a class
   * `new (config) => { init(): void, destroy(): void }`, as with @sidebase/nuxt-auth. It replaces the focus and
   * periodic checks; refreshing before expiry and after a 401 stays built in. @default undefined
   */
  handler?: string
}

export interface SessionCacheOptions {
  /** Seconds an answer is kept, and never past the token's own expiry. `0` turns the cache off. @default 10 */
  maxAge?: number
  /** Tokens remembered at most (the oldest go first). @default 10000 */
  maxEntries?: number
}

/**
 * The server verifies the access token (a JWT) itself instead of asking the backend's session endpoint: SSR and
 * the server utilities then make no backend call. Give one key; each key also comes from the environment.
 */
export interface JwtVerificationOptions {
  /** A shared secret for HS256/HS384/HS512. Better in the environment: `NUXT_AUTH_JWT_VERIFICATION_SECRET`. @default '' */
  secret?: string
  /** A PEM public key (SPKI) for RS*, PS*, ES* or EdDSA tokens; `NUXT_AUTH_JWT_VERIFICATION_PUBLIC_KEY`. @default '' */
  publicKey?: string
  /** The issuer's JWKS (`jwks_uri`), fetched and cached; an unknown `kid` fetches it again. `NUXT_AUTH_JWT_VERIFICATION_JWKS_URL`. @default '' */
  jwksUrl?: string
  /** The `iss` the token must carry (one of them). @default not checked */
  issuer?: string | string[]
  /** An `aud` the token must carry (one of them). @default not checked */
  audience?: string | string[]
  /**
   * The `typ` header the token must carry, e.g. `'at+jwt'` for access tokens as RFC 9068 types them. Set it (or
   * `audience`) when the same key also signs other tokens with an `exp` (refresh or ID tokens): they would pass as
   * access tokens otherwise. `NUXT_AUTH_JWT_VERIFICATION_TYP`. @default not checked
   */
  typ?: string
  /**
   * Accepted `alg` values; `none` never is.
   * @default ['HS256', 'HS384', 'HS512'] with a secret; with a public key, those its type can verify (RS* and PS*
   * for RSA, its curve's ES*, EdDSA for Ed25519); with a JWKS URL, every asymmetric one
   */
  algorithms?: string[]
  /** Where the session is in the token's claims (JSON pointer). @default '/' (all claims) */
  sessionPointer?: string
  /**
   * Seconds of clock difference allowed for `exp` and `nbf`, judged by the server's clock, and when that refuses a
   * token by the issuer's clock as the server estimates it from the tokens it gets; at least 2 s are always allowed
   * (the estimate's own resolution). @default 0
   */
  clockToleranceSeconds?: number
  /** Seconds between two JWKS fetches at most (an unknown `kid` within them is refused). @default 30 */
  jwksCooldownSeconds?: number
}

export interface AuthorizationOptions {
  /**
   * Where the session keeps the user's roles: a JSON pointer into the session (`'/user/roles'`), or a function
   * `(session) => string[]`. A function is copied into the app and the server by its source, so it must not use
   * variables from around it. A string value is one role.
   * @default '/roles'
   */
  roles?: string | ((session: import('./runtime/types').Session) => string[] | string | null | undefined)
  /**
   * A page for signed-in users who lack a page's `roles` or `can` (the guard goes there). Without it they get
   * Nuxt's error page with status 403, which SSR answers with that status.
   * @default undefined
   */
  forbiddenPage?: string
}

/**
 * Server-side sessions (local and refresh providers): the backend's tokens stay on the server, in Nitro storage,
 * encrypted; the browser holds one signed, httpOnly cookie with a random session id. Sessions can be listed and
 * revoked (`listUserSessions`, `revokeSession`, `revokeUserSessions`), and expire when idle and after a fixed
 * lifetime. The secret comes from `NUXT_AUTH_SESSIONS_SECRET` (production does not start without it).
 */
export interface SessionsOptions {
  /**
   * Where sessions are kept: `'memory'` (one server process; bounded by `maxEntries`), `'fs'` (one machine,
   * `fsBase`), `'redis'` (any number of instances: `NUXT_AUTH_SESSIONS_REDIS_URL`, else `REDIS_URL`), or the
   * name of a Nitro storage mount the app configures in `nitro.storage`. With `'memory'` the server keeps the
   * records it read (at most 10 s) until it changes them; on Redis (6 or later, with `CLIENT`, `SUBSCRIBE` and the channel
   * `__redis__:invalidate` allowed) each instance keeps them while Redis reports their changes.
   * @default 'memory'
   */
  storage?: string
  /** The session cookie's name; over https it is sent as `__Host-<name>`. @default 'gatekeeper.session' */
  cookieName?: string
  /** The session cookie's SameSite. @default 'lax' */
  sameSite?: 'lax' | 'strict' | 'none'
  /** Seconds without a request after which a session ends (OWASP: 15–30 minutes for most applications). @default 1800 */
  idleTimeoutSeconds?: number
  /** Seconds after sign-in after which a session ends whatever the activity (OWASP: 4–8 hours for a working day). @default 28800 */
  maxAgeSeconds?: number
  /** Where the user's id is in the session data, for the device list and "sign out everywhere". @default '/id' */
  userIdPointer?: string
  /** `storage: 'memory'`: sessions kept at most; beyond it the least recently seen session of the user with the most ends. @default 10000 */
  maxEntries?: number
  /** `storage: 'fs'`: the folder (relative to where the server runs). `NUXT_AUTH_SESSIONS_FS_BASE` at run time. @default '.data/gatekeeper-sessions' */
  fsBase?: string
}

/**
 * For the token modes (cookies) on more than one server instance: the server's session cache and its refresh
 * de-dup kept in a storage all instances share, so two instances never spend the same refresh token for one
 * browser, and a token costs the fleet one session lookup. What it stores is sealed with
 * `NUXT_AUTH_SHARED_STATE_SECRET` (production does not start without it).
 */
export interface SharedStateOptions {
  /** `'redis'` (`NUXT_AUTH_SHARED_STATE_REDIS_URL`, else `REDIS_URL`), or a Redis mount the app configures in `nitro.storage`. @default 'redis' */
  storage?: string
}

/** The `auth` key of nuxt.config. */
export interface ModuleOptions {
  /** Turn the module off without removing it. @default true */
  isEnabled?: boolean
  /**
   * Where the backend's auth endpoints live: a path on this app (`/api/auth`) or a full URL
   * (`https://api.example.com/auth`). `NUXT_PUBLIC_AUTH_BASE_URL` overrides it at run time, and so does the
   * variable `originEnvKey` names.
   * @default '/api/auth'
   */
  baseURL?: string
  /**
   * The incumbent's way to set `baseURL` from the environment: the name of a variable holding the full base
   * URL (`https://app.example.com/api/auth`, origin and path, despite the name). Read by the server at run time
   * (`NUXT_PUBLIC_AUTH_BASE_URL` wins over it). Set while building, it is checked and decides where a provider
   * served by the app (Auth.js) is served, but it is not built in: a server started without it uses `baseURL` (with
   * Auth.js, that variable's path).
   * @default 'AUTH_ORIGIN'
   */
  originEnvKey?: string
  /** The incumbent's (deprecated there): accepted so its configs build; it has no effect here. @default undefined @deprecated */
  disableInternalRouting?: boolean
  /** Skip the session check during SSR (the client checks after hydration). Per route: `routeRules: { '/x': { auth: { disableServerSideAuth: true } } }`. @default false */
  disableServerSideAuth?: boolean
  /** The global route guard. `true` protects every page without `auth` meta. @default false */
  globalAppMiddleware?: boolean | GlobalAppMiddlewareOptions
  /** Where signed-in users land when no redirect target is given (a rejected one counts as none), and from guest pages. @default '/' */
  navigateAuthenticatedTo?: string
  /** Origins (`https://accounts.example.com`) that redirect targets may point to besides this app. @default [] */
  allowedRedirectOrigins?: string[]
  /** Milliseconds before a backend request counts as failed (`AuthError` code `TIMEOUT`). @default 10000 */
  requestTimeout?: number
  /**
   * When the session is re-checked and tokens are refreshed. `false` turns the focus and periodic checks off (as with
   * @sidebase/nuxt-auth, whose docs type it `SessionConfig | boolean`); `true` keeps the defaults. Refreshing an
   * expiring token stays on either way. @default { enablePeriodically: false, enableOnWindowFocus: true }
   */
  sessionRefresh?: SessionRefreshOptions | boolean
  /**
   * SSR session checks answered from a short-lived server-side cache, keyed by a SHA-256 hash of the access
   * token (never the token): a burst of page loads costs the backend one session call, not one each. Only
   * sessions are kept; a sign-out or a 401 on this server drops the entry. The trade-off: a change to the
   * session data (or a revocation elsewhere) shows in SSR up to `maxAge` seconds later. `false` asks the
   * backend on every SSR request. With `jwtVerification` it keeps the verified session instead, so a token's
   * signature is checked once per `maxAge`, never past its `exp` (a sign-out does not drop it: the token verifies
   * until then either way). `NUXT_AUTH_SESSION_CACHE_MAX_AGE` overrides `maxAge` at run time.
   * @default { maxAge: 10, maxEntries: 10000 }
   */
  sessionCache?: SessionCacheOptions | false
  /**
   * The largest request body, in bytes, that the module's own server routes read (the `/api/_auth` relay
   * routes and the Auth.js handler); a larger one is refused with 413 before it is buffered.
   * `NUXT_AUTH_MAX_BODY_BYTES` overrides it at run time. @default 65536
   */
  maxBodyBytes?: number
  /**
   * With httpOnly token cookies: the headers of `signIn`'s and `signUp`'s extra-headers argument that the
   * `/api/_auth` routes pass on to the backend, by name (case-insensitive); every other one is dropped. The
   * routes describe the browser's request themselves, as the server saw it: `X-Forwarded-For` (the incoming
   * value plus the address the request came from), `X-Forwarded-Host`, `X-Forwarded-Proto` and `User-Agent`.
   * Names that identify or route a request (`Host`, `Cookie`, `Authorization`, `Forwarded`, `X-Forwarded-*`,
   * …) cannot be listed. `NUXT_AUTH_RELAY_HEADERS` (a JSON array) overrides it at run time.
   * @default ['accept-language']
   */
  relayHeaders?: string[]
  /**
   * Verify access tokens (JWTs) on the server with a key instead of asking the backend's session endpoint
   * (local and refresh providers). `false`: ask the backend. @default false
   */
  jwtVerification?: JwtVerificationOptions | false
  /**
   * Forwarding routes for an API on another host (local and refresh providers): a local path prefix to an
   * upstream URL, e.g. `{ '/api/shop': 'https://shop.example.com/v1' }`. `/api/shop/orders` is then answered by
   * `https://shop.example.com/v1/orders`, with the visitor's access token attached by the server (refreshed
   * when due; a 401 refreshes and retries once), bodies streamed, hop-by-hop headers and cookies dropped, each
   * exchange with the upstream bounded by `requestTimeout` (a 504). Only the configured upstream is called.
   * `NUXT_AUTH_FORWARD` (a JSON object) overrides it at run time. A plain
   * `http://` upstream on a public host is warned about (the token would travel unencrypted).
   * @default {}
   */
  forward?: Record<string, string>
  /**
   * Roles and the page for users without the right; abilities are defined in code (`defineAbility`).
   * @default { roles: '/roles' }
   */
  authorization?: AuthorizationOptions
  /** Server-side sessions (see SessionsOptions); `true` takes the defaults. @default false */
  sessions?: SessionsOptions | boolean
  /** The token modes' server state shared by every instance (see SharedStateOptions); `true` takes the defaults. @default false */
  sharedState?: SharedStateOptions | boolean
  /** The provider and its options. @default { type: 'local' } */
  provider?: ProviderOptions
}

export class AuthConfigError extends Error {
  override readonly name = 'AuthConfigError'
  constructor(readonly issues: OptionIssue[]) {
    super(`[nuxt-gatekeeper] Invalid configuration:\n${issues.map(issue => `  - ${issue.key} ${issue.problem}.\n    Fix: ${issue.fix}.`).join('\n')}`)
  }
}

export interface ResolvedModuleOptions {
  enabled: boolean
  /** The provider's client strategy module, relative to `providers/`. */
  clientStrategy: string
  /** The same less its own refresh (see AuthProviderDefinition), or the client strategy itself. */
  clientStrategyWithoutRefresh: string
  /** What that strategy has besides signIn, signOut and getSession (see AuthProviderDefinition). */
  clientCapabilities: { refresh: boolean, actions: readonly string[] }
  /** `sessionRefresh.handler` as written (resolved by the module against the app root). */
  refreshHandler: string | null
  /**
   * Built in: `baseURL` from nuxt.config (for a provider this app serves, the path of the build's `originEnvKey`
   * variable when that is set), which the server uses when no variable sets another at run time.
   */
  public: PublicAuthConfig
  /**
   * The base URL this build serves and checks: the variable `originEnvKey` names when it is set while building
   * (a server is expected to run with it), else `public.baseURL`.
   */
  buildBaseURL: string
  /** Server-only runtime config (`runtimeConfig.auth`); the build adds its render mark (module.ts), not an option. */
  server: Omit<ServerSettings, 'renderMark'>
  /** The provider's server half, if it has one. */
  providerServer: import('../providers/types').ProviderServerSetup | null
  /** The session's shape the app described (the incumbent's `session.dataType`), generated into `SessionData`. */
  sessionDataType: import('../providers/types').SessionDataType | null
  /** The provider's session type while the app describes none (see ProviderDefinition.sessionFallbackType). */
  sessionFallbackType: readonly string[] | null
  /** `authorization.roles` as a JavaScript expression (a JSON pointer string or a function's source). */
  rolesSource: string
}

/** Defaults, normalisation and validation of the whole `auth` key. Throws AuthConfigError listing every problem. */
/**
 * Every key `auth` may have. `disableInternalRouting`: the incumbent's, deprecated there; accepted so its
 * configs build, and has no effect here. `provider` is checked by the provider's own shape.
 */
const MODULE_OPTION_SHAPE: OptionShape = {
  isEnabled: true,
  baseURL: true,
  originEnvKey: true,
  disableServerSideAuth: true,
  disableInternalRouting: true,
  globalAppMiddleware: { isEnabled: true, allow404WithoutAuth: true, addDefaultCallbackUrl: true },
  navigateAuthenticatedTo: true,
  allowedRedirectOrigins: true,
  requestTimeout: true,
  sessionRefresh: { enablePeriodically: true, enableOnWindowFocus: true, handler: true, skewSeconds: true },
  sessionCache: { maxAge: true, maxEntries: true },
  maxBodyBytes: true,
  relayHeaders: true,
  authorization: { roles: true, forbiddenPage: true },
  sharedState: { storage: true },
  sessions: { storage: true, cookieName: true, sameSite: true, idleTimeoutSeconds: true, maxAgeSeconds: true, userIdPointer: true, maxEntries: true, fsBase: true },
  forward: true,
  jwtVerification: { secret: true, publicKey: true, jwksUrl: true, issuer: true, audience: true, typ: true, algorithms: true, sessionPointer: true, clockToleranceSeconds: true, jwksCooldownSeconds: true },
  provider: true,
}

export function resolveModuleOptions(input: ModuleOptions = {}, env: Record<string, string | undefined> = {}): ResolvedModuleOptions {
  const issues: OptionIssue[] = [...unknownOptionKeys(input, MODULE_OPTION_SHAPE, 'auth')]
  const fail = (key: string, problem: string, fix: string) => issues.push({ key: `auth.${key}`, problem, fix })

  const originEnvKey = input.originEnvKey ?? 'AUTH_ORIGIN'
  if (typeof originEnvKey !== 'string' || !/^[A-Z_]\w*$/i.test(originEnvKey)) {
    fail('originEnvKey', `must be the name of an environment variable, got ${JSON.stringify(originEnvKey)}`, `set e.g. 'AUTH_ORIGIN', or leave it out`)
  }
  // Trimmed: a .env file written with CRLF line ends leaves a \r at the end.
  const fromEnv = typeof originEnvKey === 'string' ? env[originEnvKey]?.trim() || undefined : undefined
  // Not built in, as in the incumbent: a value from a developer's .env must not become production's base URL when
  // the server starts without the variable (and with Auth.js it would override trustHost there). Only its path is,
  // for a provider this app serves (below).
  const configuredBaseURL: unknown = input.baseURL ?? '/api/auth'
  const configuredProblem = typeof configuredBaseURL === 'string' ? baseURLProblem(configuredBaseURL) : 'is not a string'
  // Shown without a password it may carry.
  const written = (value: unknown) => JSON.stringify(typeof value === 'string' ? withoutUserInfo(value) : value)
  if (configuredProblem) fail('baseURL', `${written(configuredBaseURL)} ${configuredProblem}`, `set a path such as '/api/auth', or a full URL such as 'https://api.example.com/auth'`)
  const envProblem = fromEnv === undefined ? undefined : baseURLProblem(fromEnv)
  if (envProblem) fail('baseURL', `comes from the environment variable ${originEnvKey} (auth.originEnvKey), whose ${written(fromEnv)} ${envProblem}`, `set ${originEnvKey} to the full base URL, e.g. https://app.example.com/api/auth`)
  const baseURL = fromEnv ?? configuredBaseURL
  const baseProblem = fromEnv === undefined ? configuredProblem : envProblem

  for (const key of ['isEnabled', 'disableServerSideAuth'] as const) {
    if (input[key] !== undefined && typeof input[key] !== 'boolean') fail(key, `must be true or false, got ${JSON.stringify(input[key])}`, 'set true or false')
  }
  const middlewareRaw: unknown = input.globalAppMiddleware
  if (middlewareRaw !== undefined && typeof middlewareRaw !== 'boolean' && (typeof middlewareRaw !== 'object' || middlewareRaw === null)) {
    fail('globalAppMiddleware', `must be true, false or an object, got ${JSON.stringify(middlewareRaw)}`, 'set true, or { isEnabled: true, allow404WithoutAuth: true, addDefaultCallbackUrl: true }')
  }
  const middlewareInput: GlobalAppMiddlewareOptions = typeof middlewareRaw === 'object' && middlewareRaw !== null ? middlewareRaw : { isEnabled: middlewareRaw === true }
  const globalAppMiddleware: Required<GlobalAppMiddlewareOptions> = {
    isEnabled: middlewareInput.isEnabled ?? false,
    allow404WithoutAuth: middlewareInput.allow404WithoutAuth ?? true,
    addDefaultCallbackUrl: middlewareInput.addDefaultCallbackUrl ?? true,
  }
  for (const key of ['isEnabled', 'allow404WithoutAuth'] as const) {
    if (typeof globalAppMiddleware[key] !== 'boolean') fail(`globalAppMiddleware.${key}`, `must be true or false, got ${JSON.stringify(globalAppMiddleware[key])}`, 'set true or false')
  }
  const callback = globalAppMiddleware.addDefaultCallbackUrl
  if (typeof callback !== 'boolean' && !(typeof callback === 'string' && callback.startsWith('/') && !callback.startsWith('//'))) {
    fail('globalAppMiddleware.addDefaultCallbackUrl', `must be true, false or an app path, got ${JSON.stringify(callback)}`, `set true (the page the user wanted), false, or a path such as '/dashboard'`)
  }
  const navigateAuthenticatedTo = input.navigateAuthenticatedTo ?? '/'
  if (typeof navigateAuthenticatedTo !== 'string' || !navigateAuthenticatedTo.startsWith('/') || navigateAuthenticatedTo.startsWith('//')) {
    fail('navigateAuthenticatedTo', `must be an app path, got ${JSON.stringify(navigateAuthenticatedTo)}`, `set a path such as '/'`)
  }
  const originsRaw: unknown = input.allowedRedirectOrigins ?? []
  if (!Array.isArray(originsRaw)) fail('allowedRedirectOrigins', `must be an array of origins, got ${JSON.stringify(originsRaw)}`, `set e.g. ['https://accounts.example.com']`)
  const allowedRedirectOrigins: string[] = Array.isArray(originsRaw) ? originsRaw : []
  for (const [index, origin] of allowedRedirectOrigins.entries()) {
    let parsed: URL | null = null
    try {
      parsed = new URL(origin)
    }
    catch { /* reported below */ }
    if (typeof origin !== 'string' || !parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin.replace(/\/$/, '')) {
      fail(`allowedRedirectOrigins[${index}]`, `is not an origin: ${JSON.stringify(origin)}`, `give scheme and host only, e.g. 'https://accounts.example.com'`)
    }
  }
  const requestTimeout = input.requestTimeout ?? 10_000
  // Timers overflow past 2^31-1 ms and fire at once.
  if (typeof requestTimeout !== 'number' || !(requestTimeout > 0) || requestTimeout > 2 ** 31 - 1) {
    fail('requestTimeout', `must be milliseconds between 1 and 2147483647, got ${JSON.stringify(requestTimeout)}`, 'set e.g. 10000')
  }

  const refreshOption: unknown = input.sessionRefresh
  if (refreshOption !== undefined && typeof refreshOption !== 'boolean' && (typeof refreshOption !== 'object' || refreshOption === null || Array.isArray(refreshOption))) {
    fail('sessionRefresh', `must be an object or a boolean, got ${JSON.stringify(refreshOption)}`, 'set e.g. { enableOnWindowFocus: true, enablePeriodically: 60000 }, or false to turn the focus and periodic checks off')
  }
  const refreshInput: SessionRefreshOptions = refreshOption === false
    ? { enablePeriodically: false, enableOnWindowFocus: false }
    : typeof refreshOption === 'object' && refreshOption !== null ? refreshOption : {}
  const periodically = refreshInput.enablePeriodically ?? false
  if (!(typeof periodically === 'boolean' || (typeof periodically === 'number' && periodically >= 1000 && periodically <= 2 ** 31 - 1))) {
    fail('sessionRefresh.enablePeriodically', `must be true, false or milliseconds between 1000 and 2147483647, got ${JSON.stringify(periodically)}`, 'set e.g. 60000 (once a minute), or false')
  }
  const skewSeconds = refreshInput.skewSeconds ?? 30
  // Finite: the generated config is JSON, where Infinity becomes null (a lead of 0).
  if (typeof skewSeconds !== 'number' || !(skewSeconds >= 0) || !Number.isFinite(skewSeconds)) {
    fail('sessionRefresh.skewSeconds', `must be a number of seconds >= 0, got ${shown(skewSeconds)}`, 'set e.g. 30')
  }
  const onFocus: unknown = refreshInput.enableOnWindowFocus
  if (onFocus !== undefined && typeof onFocus !== 'boolean') {
    fail('sessionRefresh.enableOnWindowFocus', `must be true or false, got ${JSON.stringify(onFocus)}`, 'write true or false (no quotes)')
  }
  const handler = refreshInput.handler
  if (handler !== undefined && (typeof handler !== 'string' || handler.length === 0)) {
    fail('sessionRefresh.handler', `must be a path to a module, got ${JSON.stringify(handler)}`, `set e.g. './auth/refresh-handler.ts', or remove it`)
  }
  const sessionRefresh = {
    enablePeriodically: periodically === true ? 1000 : (periodically as number | false),
    enableOnWindowFocus: refreshInput.enableOnWindowFocus ?? true,
    skewSeconds,
    customHandler: typeof handler === 'string',
  }

  const cacheInput: unknown = input.sessionCache ?? {}
  if (cacheInput !== false && (typeof cacheInput !== 'object' || cacheInput === null)) {
    fail('sessionCache', `must be an object or false, got ${JSON.stringify(cacheInput)}`, 'set { maxAge: 10 }, or false to ask the backend on every SSR request')
  }
  const cacheOptions: SessionCacheOptions = cacheInput === false ? { maxAge: 0 } : (typeof cacheInput === 'object' && cacheInput !== null ? cacheInput : {})
  const sessionCache = { maxAge: cacheOptions.maxAge ?? 10, maxEntries: cacheOptions.maxEntries ?? 10_000 }
  if (typeof sessionCache.maxAge !== 'number' || !(sessionCache.maxAge >= 0) || !Number.isFinite(sessionCache.maxAge)) {
    fail('sessionCache.maxAge', `must be a number of seconds >= 0, got ${shown(sessionCache.maxAge)}`, 'set e.g. 10, or 0 to turn the cache off')
  }
  if (!Number.isInteger(sessionCache.maxEntries) || !(sessionCache.maxEntries >= 1)) {
    fail('sessionCache.maxEntries', `must be a whole number >= 1, got ${JSON.stringify(sessionCache.maxEntries)}`, 'set e.g. 10000')
  }

  const maxBodyBytes = input.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  if (!Number.isInteger(maxBodyBytes) || !(maxBodyBytes >= 1024)) {
    fail('maxBodyBytes', `must be a whole number of bytes >= 1024, got ${JSON.stringify(maxBodyBytes)}`, 'set e.g. 65536 (64 kB)')
  }

  const relayHeaders = input.relayHeaders ?? [...DEFAULT_RELAY_HEADERS]
  if (!Array.isArray(relayHeaders) || relayHeaders.some(name => typeof name !== 'string' || !HTTP_TOKEN.test(name))) {
    fail('relayHeaders', `must be an array of header names, got ${JSON.stringify(relayHeaders)}`, `list names such as 'accept-language' or 'x-tenant'`)
  }
  else {
    const refused = relayHeaders.filter(name => !isRelayableHeader(name))
    if (refused.length > 0) {
      fail('relayHeaders', `lists ${refused.map(name => `'${name}'`).join(', ')}, which would let a browser choose how the backend identifies or routes the request`, 'remove them: the routes set X-Forwarded-For, X-Forwarded-Host, X-Forwarded-Proto and User-Agent from what the server saw')
    }
  }

  const authorizationInput: unknown = input.authorization ?? {}
  const authorizationIsObject = typeof authorizationInput === 'object' && authorizationInput !== null && !Array.isArray(authorizationInput)
  if (!authorizationIsObject) fail('authorization', `must be an object, got ${JSON.stringify(authorizationInput)}`, `set e.g. { roles: '/user/roles' }`)
  const { roles = '/roles', forbiddenPage } = (authorizationIsObject ? authorizationInput : {}) as AuthorizationOptions
  const rolesSource = rolesExpression(roles)
  if (rolesSource === null) fail('authorization.roles', `must be a JSON pointer ('/user/roles') or a self-contained, synchronous function (session) => string[], got ${typeof roles === 'function' ? String(roles).slice(0, 80) : JSON.stringify(roles)}`, `set e.g. '/user/roles', or (session) => session.user.roles`)
  if (forbiddenPage !== undefined && (typeof forbiddenPage !== 'string' || !forbiddenPage.startsWith('/') || forbiddenPage.startsWith('//'))) {
    fail('authorization.forbiddenPage', `must be an app path, got ${JSON.stringify(forbiddenPage)}`, `set a path such as '/forbidden', or leave it out for Nuxt's error page with status 403`)
  }

  const jwtVerification = resolveJwtVerification(input.jwtVerification, fail)
  const forward: Record<string, string> = {}
  const forwardInput: unknown = input.forward ?? {}
  if (typeof forwardInput !== 'object' || forwardInput === null || Array.isArray(forwardInput)) {
    fail('forward', `must be an object of path prefixes to upstream URLs, got ${JSON.stringify(forwardInput)}`, `set e.g. { '/api/shop': 'https://shop.example.com/v1' }`)
  }
  else {
    for (const [prefix, upstream] of Object.entries(forwardInput)) {
      if (!/^\/[\w\-.~/]*[\w\-~]$/.test(prefix) || prefix.includes('//') || prefix.split('/').some(segment => segment === '.' || segment === '..')) {
        fail(`forward[${JSON.stringify(prefix)}]`, 'is not a plain app path prefix', `use a path such as '/api/shop' (no trailing slash, wildcards or dot segments)`)
      }
      else if (prefix.startsWith('/api/_auth')) {
        fail(`forward[${JSON.stringify(prefix)}]`, 'is under /api/_auth, which is the module\'s own', `choose another prefix such as '/api/shop'`)
      }
      let parsed: URL | null = null
      try {
        parsed = typeof upstream === 'string' ? new URL(upstream) : null
      }
      catch { /* reported below */ }
      if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.search || parsed.hash || parsed.username || parsed.password) {
        fail(`forward[${JSON.stringify(prefix)}]`, `must be an http(s) URL without query, fragment or credentials, got ${JSON.stringify(upstream)}`, `set e.g. 'https://shop.example.com/v1'`)
      }
      else forward[prefix] = upstream as string
    }
  }

  const providerInput = (input.provider ?? { type: 'local' }) as { type?: unknown }
  const definition = findProvider(providerInput as Record<string, unknown>)
  if (!definition) {
    const known = Object.values(providers).flatMap(candidate => candidate.types).map(type => `'${type}'`).join(', ')
    issues.push({ key: 'auth.provider.type', problem: `is ${JSON.stringify(providerInput.type)}, which is not a provider`, fix: `set it to one of ${known}` })
    throw new AuthConfigError(issues)
  }
  issues.push(...unknownOptionKeys(providerInput, definition.optionShape, 'auth.provider'))
  const resolved = definition.resolve(providerInput as never, 'auth.provider')
  issues.push(...resolved.issues)
  const runtime = definition.runtimeConfig(resolved.options as never, { baseURL: typeof baseURL === 'string' ? baseURL : '/' })
  // A backend that runs in this app (Auth.js) is served under baseURL's path: at the root it would answer every page.
  if (definition.server && typeof baseURL === 'string' && !baseProblem && new URL(baseURL, 'http://app.invalid').pathname.replace(/\/+$/, '') === '') {
    const where = fromEnv !== undefined ? `comes from ${originEnvKey} (auth.originEnvKey) as ${written(baseURL)}` : `is ${written(baseURL)}`
    fail('baseURL', `${where}, which has no path: this provider's backend runs in the app, under that path, and at the root it would answer every page`, `give it a path of its own, e.g. '/api/auth' or 'https://app.example.com/api/auth'`)
  }
  if (Object.keys(forward).length > 0 && !runtime.token) {
    fail('forward', 'is set, but this provider keeps no access token to attach', 'remove auth.forward')
  }
  const sessions = resolveSessions(input.sessions, fail)
  if (sessions && !runtime.token) {
    fail('sessions', 'is set, but this provider keeps no tokens for the server to hold (Auth.js keeps its own session cookie)', 'remove auth.sessions')
  }
  const sharedState = resolveSharedState(input.sharedState, fail)
  if (sharedState && !runtime.token) {
    fail('sharedState', 'is set, but this provider keeps no tokens whose refresh or lookup could be shared (Auth.js keeps its own session cookie)', 'remove auth.sharedState')
  }
  if (sessions && runtime.token) {
    // The tokens never reach the browser: it talks to the /api/_auth routes, as with httpOnly cookies.
    runtime.token.cookie.httpOnly = true
    if (runtime.refreshToken) runtime.refreshToken.cookie.httpOnly = true
  }
  if (jwtVerification.enabled && !runtime.token) {
    fail('jwtVerification', 'is set, but this provider keeps no access token for the server to verify (Auth.js verifies its own session cookie)', 'remove auth.jwtVerification')
  }
  if (issues.length > 0) throw new AuthConfigError(issues)

  return {
    enabled: input.isEnabled ?? true,
    clientStrategy: definition.clientStrategy,
    clientStrategyWithoutRefresh: definition.clientStrategyWithoutRefresh ?? definition.clientStrategy,
    clientCapabilities: definition.clientCapabilities,
    refreshHandler: typeof handler === 'string' ? handler : null,
    buildBaseURL: baseURL as string,
    public: {
      // A provider served by this app (Auth.js) is served under the build's path, and the browser only ever asks
      // paths of its own origin there: that path is built in, so a server started without the variable still asks
      // where it serves. The origin is left to run time (AUTH_URL, trustHost).
      baseURL: definition.server && fromEnv !== undefined && !envProblem ? new URL(fromEnv, 'http://app.invalid').pathname : configuredBaseURL as string,
      originEnvKey: typeof originEnvKey === 'string' ? originEnvKey : 'AUTH_ORIGIN',
      disableServerSideAuth: input.disableServerSideAuth ?? false,
      globalAppMiddleware,
      navigateAuthenticatedTo,
      allowedRedirectOrigins: allowedRedirectOrigins.map(origin => String(origin).replace(/\/$/, '')),
      requestTimeout,
      sessionRefresh,
      authorization: { forbiddenPage: typeof forbiddenPage === 'string' ? forbiddenPage : null },
      ...runtime,
    },
    server: { sessionCache, maxBodyBytes, relayHeaders: Array.isArray(relayHeaders) ? relayHeaders.map(name => name.toLowerCase()) : [], jwtVerification, forward, tokenPointers: definition.tokenPointers?.(resolved.options as never) ?? [], backendRoutes: definition.backendRoutes?.(resolved.options as never) ?? [], ...(sessions ? { sessions } : {}), ...(sharedState ? { sharedState } : {}) },
    providerServer: definition.server?.(resolved.options as never) ?? null,
    sessionDataType: definition.sessionDataType?.(resolved.options as never) ?? null,
    sessionFallbackType: definition.sessionFallbackType ?? null,
    rolesSource: rolesSource ?? '\'/roles\'',
  }
}

/** `sessions` checked; the secret and the Redis URL are written empty, for the environment to set. */
function resolveSessions(input: unknown, fail: (key: string, problem: string, fix: string) => void): import('./runtime/server/sessions/store').SessionSettings | null {
  if (input === undefined || input === false) return null
  if (input !== true && (typeof input !== 'object' || input === null || Array.isArray(input))) {
    fail('sessions', `must be true, false or an object, got ${JSON.stringify(input)}`, `set e.g. { storage: 'redis' }`)
    return null
  }
  const options = (input === true ? {} : input) as SessionsOptions
  const settings = {
    enabled: true,
    storage: options.storage ?? 'memory',
    secret: '',
    redisUrl: '',
    redisBase: 'gatekeeper',
    fsBase: options.fsBase ?? '.data/gatekeeper-sessions',
    cookieName: options.cookieName ?? 'gatekeeper.session',
    sameSite: options.sameSite ?? 'lax',
    idleTimeout: options.idleTimeoutSeconds ?? 1800,
    maxAge: options.maxAgeSeconds ?? 28_800,
    userIdPointer: options.userIdPointer ?? '/id',
    maxEntries: options.maxEntries ?? 10_000,
  }
  if (typeof settings.storage !== 'string' || !/^[\w-]+(?::[\w-]+)*$/.test(settings.storage)) {
    fail('sessions.storage', `must be 'memory', 'fs', 'redis' or the name of a Nitro storage mount, got ${JSON.stringify(settings.storage)}`, `set 'redis' for more than one server instance`)
  }
  if (typeof settings.cookieName !== 'string' || !HTTP_TOKEN.test(settings.cookieName) || settings.cookieName.startsWith('__')) {
    fail('sessions.cookieName', `must be a cookie name without a __ prefix (added over https), got ${JSON.stringify(settings.cookieName)}`, `set e.g. 'gatekeeper.session'`)
  }
  if (!['lax', 'strict', 'none'].includes(settings.sameSite)) {
    fail('sessions.sameSite', `must be 'lax', 'strict' or 'none', got ${JSON.stringify(settings.sameSite)}`, `set 'lax'`)
  }
  for (const [key, value] of [['idleTimeoutSeconds', settings.idleTimeout], ['maxAgeSeconds', settings.maxAge]] as const) {
    if (!Number.isInteger(value) || !(value >= 60)) fail(`sessions.${key}`, `must be a whole number of seconds >= 60, got ${JSON.stringify(value)}`, key === 'idleTimeoutSeconds' ? 'set e.g. 1800 (30 minutes)' : 'set e.g. 28800 (8 hours)')
  }
  if (settings.idleTimeout > settings.maxAge) {
    fail('sessions.idleTimeoutSeconds', `(${settings.idleTimeout}) is longer than sessions.maxAgeSeconds (${settings.maxAge}), so it would never apply`, 'make it shorter than maxAgeSeconds')
  }
  if (typeof settings.userIdPointer !== 'string' || !settings.userIdPointer.startsWith('/')) {
    fail('sessions.userIdPointer', `must be a JSON pointer, got ${JSON.stringify(settings.userIdPointer)}`, `set e.g. '/id' or '/user/id'`)
  }
  if (!Number.isInteger(settings.maxEntries) || !(settings.maxEntries >= 1)) {
    fail('sessions.maxEntries', `must be a whole number >= 1, got ${JSON.stringify(settings.maxEntries)}`, 'set e.g. 10000')
  }
  if (typeof settings.fsBase !== 'string' || !settings.fsBase) fail('sessions.fsBase', `must be a folder, got ${JSON.stringify(settings.fsBase)}`, `set e.g. '.data/gatekeeper-sessions'`)
  return settings as import('./runtime/server/sessions/store').SessionSettings
}

function resolveSharedState(input: unknown, fail: (key: string, problem: string, fix: string) => void): SharedStateSettings | null {
  if (input === undefined || input === false) return null
  if (input !== true && (typeof input !== 'object' || input === null || Array.isArray(input))) {
    fail('sharedState', `must be true, false or an object, got ${JSON.stringify(input)}`, `set e.g. { storage: 'redis' }`)
    return null
  }
  const storage = (input === true ? undefined : (input as SharedStateOptions).storage) ?? 'redis'
  if (storage === 'memory' || storage === 'fs') {
    fail('sharedState.storage', `is '${storage}', which no two server instances share (and which has no lock they could both see)`, `set 'redis', or leave auth.sharedState out for one instance`)
  }
  else if (typeof storage !== 'string' || !/^[\w-]+(?::[\w-]+)*$/.test(storage)) {
    fail('sharedState.storage', `must be 'redis' or the name of a Nitro storage mount, got ${JSON.stringify(storage)}`, `set 'redis'`)
  }
  return { storage, secret: '', redisUrl: '', redisBase: 'gatekeeper' }
}

const JWT_ALGORITHMS = new Set(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'])

/** `jwtVerification` checked and written out whole (empty strings: not set, so the environment can set them). */
function resolveJwtVerification(input: unknown, fail: (key: string, problem: string, fix: string) => void): import('./runtime/shared/jwt-verification').JwtVerificationSettings {
  const off = { enabled: false, secret: '', publicKey: '', jwksUrl: '', issuer: '', audience: '', typ: '', algorithms: '', sessionPointer: '/', clockToleranceSeconds: 0, jwksCooldownSeconds: 30 }
  if (input === undefined || input === false) return off
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    fail('jwtVerification', `must be an object or false, got ${JSON.stringify(input)}`, `set e.g. { jwksUrl: 'https://issuer.example.com/.well-known/jwks.json', issuer: 'https://issuer.example.com' }`)
    return off
  }
  const options = input as JwtVerificationOptions
  for (const key of ['secret', 'publicKey', 'jwksUrl'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'string') fail(`jwtVerification.${key}`, `must be a string, got ${typeof options[key]}`, 'give a string, or set it in the environment')
  }
  const keys = (['secret', 'publicKey', 'jwksUrl'] as const).filter(key => options[key])
  if (keys.length > 1) fail('jwtVerification', `gives ${keys.join(' and ')}`, 'give exactly one key: a secret, a public key or a JWKS URL')
  if (typeof options.jwksUrl === 'string' && options.jwksUrl && !/^https?:\/\/[^/]/.test(options.jwksUrl)) {
    fail('jwtVerification.jwksUrl', `must be an http(s) URL, got ${JSON.stringify(options.jwksUrl)}`, `give the issuer's jwks_uri, e.g. 'https://issuer.example.com/.well-known/jwks.json'`)
  }
  for (const key of ['issuer', 'audience'] as const) {
    const value = options[key]
    if (value !== undefined && typeof value !== 'string' && !(Array.isArray(value) && value.every(item => typeof item === 'string'))) {
      fail(`jwtVerification.${key}`, `must be a string or an array of strings, got ${JSON.stringify(value)}`, 'set the expected value(s)')
    }
    // An empty list would turn the check off: a token for any ${key} would pass. ('' leaves it to the environment.)
    else if (Array.isArray(value) && !value.some(item => item.trim())) {
      fail(`jwtVerification.${key}`, `is ${JSON.stringify(value)}, which names no ${key}: the check would be off`, `name the expected ${key}, or leave the key out to not check it`)
    }
  }
  if (options.typ !== undefined && (typeof options.typ !== 'string' || !/^[\w.+-]+(?:\/[\w.+-]+)?$/.test(options.typ))) {
    fail('jwtVerification.typ', `must be a media type such as 'at+jwt', got ${JSON.stringify(options.typ)}`, `set the typ header your issuer's access tokens carry, e.g. 'at+jwt', or leave it out`)
  }
  const algorithms = options.algorithms ?? []
  if (!Array.isArray(algorithms) || algorithms.some(alg => !JWT_ALGORITHMS.has(alg))) {
    fail('jwtVerification.algorithms', `must list signature algorithms (${[...JWT_ALGORITHMS].join(', ')}), got ${JSON.stringify(algorithms)}`, `list the ones your issuer signs with, e.g. ['RS256']; 'none' is never accepted`)
  }
  else if (keys.length === 1) {
    // A shared secret verifies HS* only, a public key or a JWKS everything else (the key-confusion attack).
    const mismatched = algorithms.filter(alg => alg.startsWith('HS') !== (keys[0] === 'secret'))
    if (mismatched.length > 0) fail('jwtVerification.algorithms', `lists ${mismatched.join(', ')}, which the ${keys[0]} cannot verify`, keys[0] === 'secret' ? `list HS256, HS384 or HS512 with a secret` : 'list asymmetric algorithms (RS*, PS*, ES*, EdDSA) with a public key or a JWKS')
  }
  const sessionPointer = options.sessionPointer ?? '/'
  if (typeof sessionPointer !== 'string' || !(sessionPointer === '' || sessionPointer.startsWith('/'))) {
    fail('jwtVerification.sessionPointer', `must be a JSON pointer, got ${JSON.stringify(sessionPointer)}`, `set e.g. '/' (all claims) or '/user'`)
  }
  for (const [key, fallback] of [['clockToleranceSeconds', 0], ['jwksCooldownSeconds', 30]] as const) {
    const value = options[key] ?? fallback
    // Finite: runtimeConfig is JSON, where Infinity becomes null.
    if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) fail(`jwtVerification.${key}`, `must be a number of seconds >= 0, got ${shown(value)}`, `set e.g. ${fallback}`)
  }
  return {
    enabled: true,
    secret: typeof options.secret === 'string' ? options.secret : '',
    publicKey: typeof options.publicKey === 'string' ? options.publicKey : '',
    jwksUrl: typeof options.jwksUrl === 'string' ? options.jwksUrl : '',
    issuer: options.issuer ?? '',
    audience: options.audience ?? '',
    typ: typeof options.typ === 'string' ? options.typ.trim() : '',
    algorithms: Array.isArray(algorithms) ? algorithms : '',
    sessionPointer: typeof sessionPointer === 'string' ? sessionPointer : '/',
    clockToleranceSeconds: options.clockToleranceSeconds ?? 0,
    jwksCooldownSeconds: options.jwksCooldownSeconds ?? 30,
  }
}

/**
 * `authorization.roles` as an expression for a generated module: a pointer as a string literal, a function by
 * its source (arrow, `function`, or the method shorthand `roles(session) { … }`). Null when it is neither, or
 * when the source does not parse on its own (a native or bound function).
 */
function rolesExpression(roles: unknown): string | null {
  if (typeof roles === 'string') return roles === '' || roles.startsWith('/') ? JSON.stringify(roles) : null
  // Roles are read synchronously (page guards, templates): a promise would count as no roles.
  if (typeof roles !== 'function' || ['AsyncFunction', 'GeneratorFunction', 'AsyncGeneratorFunction'].includes(roles.constructor.name)) return null
  const source = Function.prototype.toString.call(roles)
  for (const expression of [`(${source})`, `(({ ${source} })[${JSON.stringify(roles.name)}])`]) {
    try {
      // Parsed, not run: only whether it is a function expression on its own.
      if (typeof new Function(`return ${expression}`)() === 'function') return expression
    }
    catch { /* the next form */ }
  }
  return null
}

/** A value as a message shows it: JSON, but a number as written (JSON would show Infinity and NaN as null). */
function shown(value: unknown): string {
  return typeof value === 'number' ? String(value) : JSON.stringify(value)
}
