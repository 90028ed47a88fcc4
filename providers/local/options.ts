import type { SameSiteOption, SessionDataType } from '../types'

export interface EndpointOption {
  /** Path joined to `auth.baseURL`, or a full URL (then `baseURL` is ignored for this endpoint). @default the endpoint's default path */
  path?: string
  /** @default 'post' for signIn/signOut/signUp, 'get' for getSession */
  method?: 'get' | 'post' | 'put' | 'patch' | 'delete' | 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
}

/** Options of the `local` provider (credentials → token). Names and defaults follow @sidebase/nuxt-auth. */
export interface LocalProviderOptions {
  type: 'local'
  /**
   * Backend endpoints. `false` disables one: `signIn` and `signUp` then throw `AuthError` with code
   * `ENDPOINT_DISABLED`; `signOut` ends the session in the app without a request. `getSession` cannot be `false`.
   */
  endpoints?: {
    /** @default { path: '/login', method: 'post' } */
    signIn?: EndpointOption | false
    /** @default { path: '/logout', method: 'post' } */
    signOut?: EndpointOption | false
    /** @default { path: '/register', method: 'post' } */
    signUp?: EndpointOption | false
    /** @default { path: '/session', method: 'get' } */
    getSession?: EndpointOption | false
  }
  pages?: {
    /**
     * The login page; the guard sends signed-out users there (`?redirect=` carries their target). An app path, or an
     * absolute URL of a login page on another site (`'https://sso.example.com/login'`, reached with a full page load).
     * @default '/login'
     */
    login?: string
  }
  token?: {
    /** JSON pointer to the token in the signIn response. @default '/token' */
    signInResponseTokenPointer?: string
    /** Prefix of the header value, one word (no spaces); `''` sends the raw token. @default 'Bearer' */
    type?: string
    /** Name of the token cookie. @default 'auth.token' */
    cookieName?: string
    /** Header the token is sent in: a valid header name. @default 'Authorization' */
    headerName?: string
    /** Cookie lifetime, and the token's lifetime when it is not a JWT with `exp`. @default 1800 */
    maxAgeInSeconds?: number
    /** @default 'lax' */
    sameSiteAttribute?: SameSiteOption
    /** @default false */
    secureCookieAttribute?: boolean
    /** @default '' (the current host only) */
    cookieDomain?: string
    /**
     * Makes the token cookie httpOnly, out of reach of page scripts (and of XSS). The browser then signs in,
     * signs out and checks the session through the module's routes `/api/_auth/{signin,signout,signup,session}`,
     * which hold the token for it; `useAuth().token` is null in the browser (it stays available during SSR).
     * @default false
     */
    httpOnlyCookieAttribute?: boolean
  }
  session?: {
    /** JSON pointer to the session data in the getSession response. @default '/' */
    dataResponsePointer?: string
    /**
     * JSON pointer to the session data in the signIn response. When set, sign-in takes the session from
     * there and makes no getSession call. @default undefined
     */
    signInResponsePointer?: string
    /**
     * The session's shape, as @sidebase/nuxt-auth describes it: field names to TypeScript types as strings,
     * nested objects allowed (`{ id: 'string', role: "'admin' | 'user'" }`). Generated into `SessionData`, so
     * `data.value` is typed; `declare module '#auth' { interface SessionData { … } }` does the same by hand.
     * @default undefined
     */
    dataType?: SessionDataType
  }
}

export interface ResolvedEndpoint { path: string, method: string }

export interface ResolvedLocalOptions {
  type: 'local'
  endpoints: { signIn: ResolvedEndpoint | false, signOut: ResolvedEndpoint | false, signUp: ResolvedEndpoint | false, getSession: ResolvedEndpoint | false }
  pages: { login: string }
  token: Required<Omit<NonNullable<LocalProviderOptions['token']>, 'sameSiteAttribute'>> & { sameSiteAttribute: SameSiteOption }
  session: { dataResponsePointer: string, signInResponsePointer?: string, dataType?: SessionDataType }
}

/** What the local client strategy reads as `ctx.options`. */
export interface LocalRuntimeOptions {
  endpoints: ResolvedLocalOptions['endpoints']
  signInResponseTokenPointer: string
  dataResponsePointer: string
  /** '' = the sign-in response carries no session. */
  signInResponsePointer: string
}

export const localDefaults: Omit<ResolvedLocalOptions, 'type'> = {
  endpoints: {
    signIn: { path: '/login', method: 'post' },
    signOut: { path: '/logout', method: 'post' },
    signUp: { path: '/register', method: 'post' },
    getSession: { path: '/session', method: 'get' },
  },
  pages: { login: '/login' },
  token: {
    signInResponseTokenPointer: '/token',
    type: 'Bearer',
    cookieName: 'auth.token',
    headerName: 'Authorization',
    maxAgeInSeconds: 1800,
    sameSiteAttribute: 'lax',
    secureCookieAttribute: false,
    cookieDomain: '',
    httpOnlyCookieAttribute: false,
  },
  session: { dataResponsePointer: '/' },
}

const endpointShape = { path: true, method: true } as const
const cookieShape = { cookieName: true, maxAgeInSeconds: true, sameSiteAttribute: true, secureCookieAttribute: true, cookieDomain: true, httpOnlyCookieAttribute: true } as const

/** The keys of a refresh token's options (sidebase 1.x `refresh.token`, 0.8 `refreshToken`). */
export const refreshTokenShape = { ...cookieShape, signInResponseRefreshTokenPointer: true, refreshResponseTokenPointer: true, refreshRequestTokenPointer: true } as const

/** Every key `auth.provider` may have with `type: 'local'` (refresh included: sidebase 1.x puts it here). */
export const localOptionShape = {
  type: true,
  endpoints: { signIn: endpointShape, signOut: endpointShape, signUp: endpointShape, getSession: endpointShape },
  pages: { login: true },
  token: { ...cookieShape, signInResponseTokenPointer: true, type: true, headerName: true },
  // dataType: the incumbent's description of the session's shape, for types only.
  session: { dataResponsePointer: true, signInResponsePointer: true, dataType: true },
  refresh: { isEnabled: true, endpoint: endpointShape, refreshOnlyToken: true, token: refreshTokenShape },
} as const
