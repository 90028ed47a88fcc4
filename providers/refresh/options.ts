import type { SameSiteOption } from '../types'
import type { EndpointOption, LocalProviderOptions, LocalRuntimeOptions, ResolvedEndpoint, ResolvedLocalOptions } from '../local/options'

/** Where the refresh token comes from, how it is sent back, and its cookie. */
export interface RefreshTokenOptions {
  /** JSON pointer to the refresh token in the signIn (and refresh) response. @default '/refreshToken' */
  signInResponseRefreshTokenPointer?: string
  /** JSON pointer to the new access token in the refresh response. @default token.signInResponseTokenPointer */
  refreshResponseTokenPointer?: string
  /** JSON pointer under which the refresh token is put in the refresh request body. @default '/refreshToken' */
  refreshRequestTokenPointer?: string
  /** @default 'auth.refresh-token' */
  cookieName?: string
  /** Lifetime of the refresh-token cookie. @default 604800 (7 days) */
  maxAgeInSeconds?: number
  /** @default 'lax' */
  sameSiteAttribute?: SameSiteOption
  /** @default false */
  secureCookieAttribute?: boolean
  /** @default '' */
  cookieDomain?: string
  /** @default false */
  httpOnlyCookieAttribute?: boolean
}

/** @sidebase/nuxt-auth 1.x shape: the local provider with `refresh.isEnabled`. */
export interface LocalWithRefreshOptions extends Omit<LocalProviderOptions, 'type'> {
  type: 'local'
  refresh: {
    /** Turns the local provider into the refresh provider. */
    isEnabled: boolean
    /** @default { path: '/refresh', method: 'post' } */
    endpoint?: EndpointOption
    /**
     * The backend's refresh response carries only a new access token. A refresh token found in the response
     * is adopted anyway: reusing a rotated refresh token would look like theft to the backend (RFC 6749 §6).
     * @default true
     */
    refreshOnlyToken?: boolean
    token?: RefreshTokenOptions
  }
}

/** @sidebase/nuxt-auth 0.8 shape: `type: 'refresh'`. Means exactly the same as LocalWithRefreshOptions. */
export interface RefreshProviderOptions extends Omit<LocalProviderOptions, 'type' | 'endpoints'> {
  type: 'refresh'
  endpoints?: LocalProviderOptions['endpoints'] & {
    /** @default { path: '/refresh', method: 'post' } */
    refresh?: EndpointOption
  }
  /** @default true */
  refreshOnlyToken?: boolean
  refreshToken?: RefreshTokenOptions
}

export interface ResolvedRefreshOptions extends ResolvedLocalOptions {
  refresh: {
    endpoint: ResolvedEndpoint
    refreshOnlyToken: boolean
    token: Required<RefreshTokenOptions>
  }
}

/** What the refresh client strategy reads as `ctx.options`. */
export interface RefreshRuntimeOptions extends LocalRuntimeOptions {
  refreshEndpoint: ResolvedEndpoint
  signInResponseRefreshTokenPointer: string
  refreshResponseTokenPointer: string
  refreshRequestTokenPointer: string
  refreshOnlyToken: boolean
}

export const refreshDefaults: Omit<ResolvedRefreshOptions['refresh'], 'token'> & { token: Omit<Required<RefreshTokenOptions>, 'refreshResponseTokenPointer'> } = {
  endpoint: { path: '/refresh', method: 'post' },
  refreshOnlyToken: true,
  token: {
    signInResponseRefreshTokenPointer: '/refreshToken',
    refreshRequestTokenPointer: '/refreshToken',
    cookieName: 'auth.refresh-token',
    maxAgeInSeconds: 604_800,
    sameSiteAttribute: 'lax',
    secureCookieAttribute: false,
    cookieDomain: '',
    httpOnlyCookieAttribute: false,
  },
}
