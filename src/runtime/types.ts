/**
 * Public types, importable as `#auth`. Type your session by augmenting `SessionData`:
 *
 * ```ts
 * declare module '#auth' {
 *   interface SessionData { id: number, email: string, name: string }
 * }
 * ```
 */
import type { AuthErrorCode, AuthPageMeta, AuthRequestContext, AuthResponseContext, AuthStatus } from './core'

export type { AuthErrorCode, AuthPageMeta, AuthRequestContext, AuthResponseContext, AuthStatus }
export { AuthError, isAuthError } from './core/errors'

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
}

/** Auth.js provider: `signIn(providerId, options, authorizationParams)`. */
export interface AuthjsSignInOptions extends SecondarySignInOptions {
  /** Credentials fields (`username`, `password`, …) for a credentials provider. */
  [field: string]: unknown
}

/** `signIn` of `useAuth()`: the local shape, or Auth.js's `(providerId?, options?, authorizationParams?)`. */
export interface SignInFunction {
  (credentials: Record<string, unknown>, options?: SecondarySignInOptions, signInParams?: Record<string, unknown>, signInHeaders?: Record<string, string>): Promise<Session | null>
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
