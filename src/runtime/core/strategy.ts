import type { AuthError } from './errors'

/** How the core reaches the backend on behalf of a strategy. Implemented by the app layer. */
export interface StrategyRequestInit {
  method?: string
  body?: unknown
  query?: Record<string, unknown>
  headers?: Record<string, string>
  /** Send this token in the configured header. `undefined` = the stored token; `null` = none. */
  token?: string | null
  /**
   * The backend keeps the session in its own cookies (Auth.js): send the browser's cookies along, and during
   * SSR forward the visitor's `Cookie` header and pass the answer's `Set-Cookie` on to the page response.
   */
  withCookies?: boolean
  /**
   * A route of this app's own server (the relay, see RELAY_ROUTES), not the backend: requested from the app's
   * origin, with no token header (the route reads the cookies itself).
   */
  relay?: boolean
  /** Let the request finish after the page unloads (a reload mid-refresh), so its `Set-Cookie` still lands. */
  keepalive?: boolean
  /**
   * An answer that is not JSON resolves as its text instead of failing (BAD_RESPONSE): for answers the module only
   * hands back to the caller, such as sign-up's (`201 "User created"`), which the incumbent accepted.
   */
  textAnswer?: boolean
}

/** A backend endpoint as configured: `false` disables it. */
export type EndpointConfig = { path: string, method?: string } | false

export interface StrategyContext<TOptions = unknown> {
  /** The provider's public runtime options. */
  options: TOptions
  /** The stored access token, if any. */
  token(): string | null
  /** The stored refresh token, if any. */
  refreshToken(): string | null
  /**
   * Calls a configured endpoint (path joined to `baseURL`, or a full URL) and returns its JSON body.
   * Throws AuthError: ENDPOINT_DISABLED, NETWORK, TIMEOUT, SERVER, UNAUTHORIZED (401/403), BAD_REQUEST, BAD_RESPONSE.
   */
  request<T = unknown>(endpoint: EndpointConfig | undefined, name: string, init?: StrategyRequestInit): Promise<T>
  /** The absolute or app-relative URL of an endpoint path under `baseURL`. */
  url(path: string): string
  /** An AuthError factory, so strategies need no import of their own for it. */
  error(code: AuthError['code'], message: string, extra?: { status?: number, data?: unknown, cause?: unknown }): AuthError
}

/** What a successful sign-in (or refresh) produced. */
export interface TokenResult {
  token?: string | null
  refreshToken?: string | null
  /** The session, when the response carried it (saves a getSession call). `undefined` = not included. */
  session?: unknown
  /**
   * The sign-in continues elsewhere (an OAuth provider, a server-rendered sign-in page): the whole page goes
   * there and comes back through the backend; nothing changes here until then.
   */
  redirect?: string
  /**
   * The sign-in goes on outside this page (a link sent by email): the page that says so. Loaded like `redirect`,
   * except with `redirect: false`: then the page stays, and the call resolves with this URL to show a message.
   */
  pending?: string
  /**
   * Where the backend says the signed-in user goes (Auth.js's `redirect` callback): the landing page instead of
   * `callbackUrl`, once it has passed the redirect sanitiser like any other target.
   */
  landing?: string
  /**
   * The tokens are in the cookie jar already: the relay route (or, during SSR, this response) set them, so the
   * caller writes nothing.
   */
  stored?: boolean
}

export interface SignInParams {
  query?: Record<string, unknown>
  headers?: Record<string, string>
  /** Where the user lands after signing in, already sanitised, as the document's path (under the app's base): for backends that redirect there themselves. */
  callbackUrl?: string
}

/** `signIn(...)` arguments as the core understands them. */
export interface SignInCall {
  credentials: Record<string, unknown>
  options: { callbackUrl?: string, redirect?: boolean, external?: boolean, callGetSession?: boolean }
  query?: Record<string, unknown>
  headers?: Record<string, string>
  /**
   * Resolve with the incumbent's `{ error, status, ok, url }` and report a failed sign-in there instead of
   * throwing (its Auth.js `signIn(…, { redirect: false })`, which apps call and then read `error`).
   */
  resultObject?: boolean
}

/** The provider contract on the client (and on the server during SSR). */
export interface ClientStrategy<TOptions = unknown> {
  signIn(ctx: StrategyContext<TOptions>, credentials: Record<string, unknown>, params?: SignInParams): Promise<TokenResult>
  signUp?(ctx: StrategyContext<TOptions>, credentials: Record<string, unknown>, params?: SignInParams): Promise<unknown>
  signOut(ctx: StrategyContext<TOptions>): Promise<void>
  /** The session, or `null` when the backend says there is none. Throws AuthError when no verdict could be had. */
  getSession(ctx: StrategyContext<TOptions>): Promise<unknown>
  refresh?(ctx: StrategyContext<TOptions>): Promise<TokenResult>
  /**
   * Maps `useAuth().signIn(...)` arguments when the provider's signature differs from the local one
   * `(credentials, options, query, headers)`, e.g. Auth.js's `(providerId, options, authorizationParams)`.
   */
  readSignInArgs?(args: unknown[]): SignInCall
  /** Extra `useAuth()` functions of this provider (e.g. `getCsrfToken`, `getProviders`). */
  actions?: Record<string, (ctx: StrategyContext<TOptions>) => Promise<unknown>>
}

export function defineClientStrategy<TOptions>(strategy: ClientStrategy<TOptions>): ClientStrategy<TOptions> {
  return strategy
}

/** Payloads of the `auth:*` runtime hooks (`nuxtApp.hook('auth:signedIn', ...)`). */
export interface AuthRequestContext {
  /** Endpoint name (`signIn`, `getSession`, …). */
  endpoint: string
  url: string
  /** The ofetch options about to be sent; hooks may add headers. */
  options: { method: string, headers: Record<string, string>, body?: unknown, query?: Record<string, unknown> }
}

export interface AuthResponseContext {
  endpoint: string
  url: string
  status: number
}
