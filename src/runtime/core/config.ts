/** The shape of `runtimeConfig.public.auth`: what the module hands the app. Public: no secrets. */

export type SameSiteOption = 'lax' | 'strict' | 'none' | boolean

/** A cookie as the core writes it. */
export interface CookieRuntimeConfig {
  name: string
  /** Seconds. */
  maxAge: number
  sameSite: SameSiteOption
  secure: boolean
  domain?: string
  httpOnly: boolean
}

/** Where a token lives and how it is sent. */
export interface TokenRuntimeConfig {
  cookie: CookieRuntimeConfig
  /** Header carrying the token. */
  headerName: string
  /** Prefix of the header value (`Bearer`); empty sends the raw token. */
  type: string
  /** Lifetime of an opaque token (no JWT `exp`), seconds. */
  maxAgeInSeconds: number
}

/** The provider-specific part, produced by the provider's definition at build time. */
export interface ProviderRuntimeConfig {
  token: TokenRuntimeConfig | null
  refreshToken: TokenRuntimeConfig | null
  pages: {
    login: string | null
    /** Query parameter carrying the wanted page to the login page. @default 'redirect' */
    redirectQueryKey?: string
    /**
     * A login page that is a server route under `baseURL` (Auth.js's `/signin`), reached by a full page load.
     * `login` is then derived from the run-time `baseURL` (which may be on another host) by resolveAuthConfig.
     */
    serverLoginPath?: string
  }
  /** Whatever the provider's client strategy reads as `ctx.options`. */
  provider: Record<string, unknown>
  /**
   * The provider's endpoints are routes of this app (Auth.js, served by the app's own server): requests go to
   * `baseURL`'s path on whatever origin the visitor used, and a full `baseURL` (or `AUTH_ORIGIN`) only names the
   * app's public origin, as with the incumbent's internal routing.
   */
  endpointsInApp?: boolean
}

export interface GuardRuntimeConfig {
  isEnabled: boolean
  allow404WithoutAuth: boolean
  addDefaultCallbackUrl: boolean | string
}

export interface SessionRefreshRuntimeConfig {
  /** Milliseconds between periodic session checks, or false. */
  enablePeriodically: number | false
  enableOnWindowFocus: boolean
  /** Refresh this long before the access token expires (at most a third of its lifetime). */
  skewSeconds: number
  /** An app's `sessionRefresh.handler` replaces the focus and periodic checks. */
  customHandler: boolean
}

export interface PublicAuthConfig extends ProviderRuntimeConfig {
  sessionRefresh: SessionRefreshRuntimeConfig
  baseURL: string
  /** The environment variable the server reads `baseURL` from at run time (the incumbent's `originEnvKey`). */
  originEnvKey: string
  disableServerSideAuth: boolean
  globalAppMiddleware: GuardRuntimeConfig
  navigateAuthenticatedTo: string
  allowedRedirectOrigins: string[]
  requestTimeout: number
  authorization: AuthorizationRuntimeConfig
  /**
   * With `endpointsInApp` and a full base URL (as built, `AUTH_ORIGIN` or `NUXT_PUBLIC_AUTH_BASE_URL`): that URL,
   * whose origin is the app's public one; `baseURL` is then its path.
   */
  configuredBaseURL?: string
  /**
   * Names of the guard (core/protocol.ts, AUTH_MIDDLEWARE_NAMES) that the app's own middleware took: Nuxt keeps the
   * app's `middleware/auth.ts` over the module's. A page listing one is not guarded by name. Set only when there are.
   */
  appMiddlewareNames?: string[]
}

export interface AuthorizationRuntimeConfig {
  /** Where a signed-in user without the right goes; null: Nuxt's error page with status 403. */
  forbiddenPage: string | null
}
