/**
 * Public types, importable as `#auth`. Type your session by augmenting `SessionData`:
 *
 * ```ts
 * declare module '#auth' {
 *   interface SessionData { id: number, email: string, name: string }
 * }
 * ```
 */
import type { ComputedRef, Ref, WritableComputedRef } from 'vue'
import type { Ability, AuthErrorCode, AuthPageMeta, AuthRequestContext, AuthResponseContext, AuthStatus } from './core'

export type { AuthErrorCode, AuthPageMeta, AuthRequestContext, AuthResponseContext, AuthStatus }
export { AuthError, isAuthError } from './core/errors'
export { defineAbility } from './core/ability'
export type { Ability, AccessRequirement, AuthRouteRule } from './core'

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SessionData {}

/** The session type: `SessionData` once augmented, else a plain record. */
export type Session = keyof SessionData extends never ? Record<string, unknown> : SessionData

export interface SecondarySignInOptions {
  /** Where to go after signing in; sanitised (same-origin path or an allow-listed origin). @default the login page's `?redirect=`, else `navigateAuthenticatedTo` */
  callbackUrl?: string
  /** Navigate after signing in. @default true */
  redirect?: boolean
  /** Allow `callbackUrl` to be an allow-listed absolute URL (full page load). @default false */
  external?: boolean
  /**
   * Fetch the session after signing in (local and refresh providers). `false`: store the tokens only, and call
   * `getSession()` yourself; until then `status` stays as it was and `signIn` resolves with `null`. @default true
   */
  callGetSession?: boolean
}

/** Auth.js provider: `signIn(providerId, options, authorizationParams)`. */
export interface AuthjsSignInOptions extends SecondarySignInOptions {
  /** Credentials fields (`username`, `password`, …) for a credentials provider. */
  [field: string]: unknown
}

/**
 * What Auth.js's `signIn(…, { redirect: false })` resolves with, as with the incumbent: `error` is Auth.js's
 * error (`'CredentialsSignin'`, …) or our `AuthError` code, `url` where the sign-in would have gone.
 */
export interface SignInResult {
  error: string | null
  status: number
  ok: boolean
  url: string | null
}

/**
 * The credentials `signIn` and `signUp` send as the request body. `any` values, as the incumbent types them: an
 * app's own interface (`interface LoginForm { username: string, password: string }`) has no index signature, and
 * only a record of `any` accepts it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Credentials = Record<string, any>

/** `signIn` of `useAuth()`: the local shape, or Auth.js's `(providerId?, options?, authorizationParams?)`. */
export interface SignInFunction {
  (credentials: Credentials, options?: SecondarySignInOptions, signInParams?: Record<string, unknown>, signInHeaders?: Record<string, string>): Promise<Session | null>
  (providerId: string | undefined, options: AuthjsSignInOptions & { redirect: false }, authorizationParams?: Record<string, string>): Promise<SignInResult>
  (providerId?: string, options?: AuthjsSignInOptions, authorizationParams?: Record<string, string>): Promise<Session | null>
}

/** One entry of Auth.js's `GET {baseURL}/providers`. */
export interface AuthjsProviderInfo {
  id: string
  name: string
  type: string
  signinUrl: string
  callbackUrl: string
}

export interface SignUpOptions {
  /** Do not sign in after a successful sign-up. @default false */
  preventLoginFlow?: boolean
}

export interface SignOutOptions {
  /** Where to go after signing out; sanitised. @default stay, unless the page is protected (then the login page) */
  callbackUrl?: string
  /** Navigate after signing out. @default true */
  redirect?: boolean
  /** Allow `callbackUrl` to be an allow-listed absolute URL. @default false */
  external?: boolean
}

export interface GetSessionOptions {
  /** Ask the backend even when a verdict is already held. @default true */
  force?: boolean
  /** When nobody is signed in, go to the login page (with this page as the target), as the guard would. @default false */
  required?: boolean
  /** With `required`: go here instead of the login page (sanitised like every redirect target). @default undefined */
  callbackUrl?: string
  /** With `callbackUrl`: it may be on an origin listed in `allowedRedirectOrigins`. @default false */
  external?: boolean
  /** With `required`: called instead of navigating; `getSession` resolves with what it returns. @default undefined */
  onUnauthenticated?: () => unknown
}

export type SignOutReason = 'user' | 'session-refused' | 'refresh-refused' | 'other-tab'

/**
 * `sessionRefresh.handler`: a module default-exporting a class of this shape (as with @sidebase/nuxt-auth).
 * `init()` runs in the Nuxt app context once the app is mounted (composables such as `useAuth()` work there).
 */
export interface RefreshHandler {
  init(): void
  destroy(): void
}

// The composables' return types, spelt out: declaration files then name `Session`, so an app's `SessionData`
// augmentation reaches them from the built package (an inferred type would be expanded at build time).

/** What `useAuth()` returns. */
export interface UseAuthReturn {
  /** `'loading' | 'authenticated' | 'unauthenticated'` */
  status: ComputedRef<AuthStatus>
  /**
   * `undefined`: not checked yet; `null`: nobody; else the session. Read-only at run time down to its arrays;
   * typed as the incumbent types it, so app code that passes the session on keeps compiling.
   */
  data: Readonly<Ref<Session | null | undefined>>
  lastRefreshedAt: Readonly<Ref<Date | undefined>>
  /** The formatted header value (`Bearer …`), or null (always null for httpOnly cookies, SSR included). */
  token: ComputedRef<string | null>
  /** The raw refresh token (refresh provider; null for httpOnly cookies). */
  refreshToken: ComputedRef<string | null>
  /** Code of the last failure that reached no verdict (network, 5xx, …), or null. */
  error: ComputedRef<AuthErrorCode | null>
  /** Local: `signIn(credentials, options)`. Auth.js: `signIn(providerId?, options?, authorizationParams?)`. */
  signIn: SignInFunction
  /** `signUp(credentials, signInOptions?, signUpOptions?)`, or the incumbent's 1.x `signUp(credentials, { preventLoginFlow })`. */
  signUp: (credentials: Credentials, signInOptions?: SecondarySignInOptions & SignUpOptions, signUpOptions?: SignUpOptions) => Promise<unknown>
  signOut: (options?: SignOutOptions) => Promise<void>
  /** Asks the backend for the session. `{ required: true }`: nobody signed in → the login page (or `callbackUrl`, or `onUnauthenticated()`). */
  getSession: (options?: GetSessionOptions) => Promise<Session | null>
  /** Refreshes the tokens now (one request shared by every caller and tab) and resolves with the session; without a refresh token, asks for the session. */
  refresh: (options?: GetSessionOptions) => Promise<Session | null>
  /** Auth.js provider: the CSRF token for a form of your own (other providers: rejects with `NOT_SUPPORTED`). */
  getCsrfToken: () => Promise<string>
  /** Auth.js provider: the configured sign-in providers by id (other providers: rejects with `NOT_SUPPORTED`). */
  getProviders: () => Promise<Record<string, AuthjsProviderInfo>>
  /** True when the signed-in user has at least one of `roles` (read with `auth.authorization.roles`); reactive. */
  hasRole: (roles: string | readonly string[]) => boolean
  /** Whether the signed-in user may do what `ability` guards (false when nobody is signed in). */
  allows: <Args extends unknown[]>(ability: Ability<Args, never>, ...args: Args) => Promise<boolean>
}

/** What `useAuthState()` returns. */
export interface UseAuthStateReturn {
  /**
   * The state (the verdict machine, `data`, `lastRefreshedAt`, `status`, `loading`): the Pinia store `gatekeeper`
   * in apps with @pinia/nuxt, else the module's own reactive state with the same fields. It never holds a token.
   */
  store: import('#gatekeeper-features').AuthStore
  status: ComputedRef<AuthStatus>
  data: Ref<Session | null | undefined>
  lastRefreshedAt: Ref<Date | undefined>
  /** True while an operation (check, sign-in, sign-out…) runs. */
  loading: ComputedRef<boolean>
  /** The access token as its cookie holds it; assigning writes the cookie at once. */
  rawToken: WritableComputedRef<string | null>
  /** The access token's header value (`Bearer …`), or null. */
  token: ComputedRef<string | null>
  /** The refresh token as its cookie holds it; assigning writes the cookie at once. */
  rawRefreshToken: WritableComputedRef<string | null>
  /** The refresh token as stored (it is sent in the refresh request body, so it has no prefix). */
  refreshToken: ComputedRef<string | null>
  /** Stores a token you obtained yourself; call `useAuth().getSession()` afterwards to load the session. */
  setToken: (token: string | null) => void
  setRefreshToken: (token: string | null) => void
  /** Removes the access token, as the incumbent's does; the refresh token stays (no backend call, no state change). */
  clearToken: () => void
}
