import local from '../local'
import { localOptionShape, refreshTokenShape } from '../local/options'
import type { LocalProviderOptions } from '../local/options'
import { defineAuthProvider } from '../types'
import { OptionChecker, pointsToWholeDocument } from '../validate'
import { refreshDefaults, type LocalWithRefreshOptions, type RefreshProviderOptions, type RefreshRuntimeOptions, type RefreshTokenOptions, type ResolvedRefreshOptions } from './options'

export type { LocalWithRefreshOptions, RefreshProviderOptions } from './options'

type RefreshInput = RefreshProviderOptions | LocalWithRefreshOptions

/** Both sidebase shapes, mapped to one: `{ local options, refresh: { endpoint, refreshOnlyToken, token } }`. */
function normalize(input: RefreshInput): { localInput: LocalProviderOptions, refresh: LocalWithRefreshOptions['refresh'] } {
  if (input.type === 'local') {
    const { refresh, ...rest } = input
    return { localInput: { ...rest, type: 'local' }, refresh }
  }
  const { endpoints, refreshOnlyToken, refreshToken, ...rest } = input
  const { refresh: endpoint, ...localEndpoints } = endpoints ?? {}
  return {
    localInput: { ...rest, type: 'local', endpoints: localEndpoints },
    refresh: { isEnabled: true, endpoint, refreshOnlyToken, token: refreshToken },
  }
}

export default defineAuthProvider<RefreshInput, ResolvedRefreshOptions>({
  types: ['refresh'],
  // sidebase 1.x writes type 'local' with refresh; 0.8 writes type 'refresh' with endpoints.refresh and refreshToken.
  optionShape: (() => {
    const { refresh: _, ...common } = localOptionShape
    return {
      ...localOptionShape,
      endpoints: { ...common.endpoints, refresh: localOptionShape.refresh.endpoint },
      refreshOnlyToken: true,
      refreshToken: refreshTokenShape,
    }
  })(),
  clientStrategy: 'refresh/client',
  clientStrategyWithoutRefresh: 'refresh/client-without-refresh',
  clientCapabilities: { refresh: true, actions: [] },
  matches: input => input.type === 'refresh' || (input.type === 'local' && (input.refresh as { isEnabled?: unknown } | undefined)?.isEnabled === true),

  resolve(input, path) {
    const { localInput, refresh } = normalize(input)
    const base = local.resolve(localInput, path)
    const check = new OptionChecker(path)
    // Option paths in messages follow the shape the user wrote.
    const sidebase08 = input.type === 'refresh'
    const at = {
      endpoint: sidebase08 ? 'endpoints.refresh' : 'refresh.endpoint',
      token: sidebase08 ? 'refreshToken' : 'refresh.token',
      only: sidebase08 ? 'refreshOnlyToken' : 'refresh.refreshOnlyToken',
    }

    // The other shape's keys would be accepted by the key check and never read: a Secure or SameSite setting of the
    // refresh cookie dropped without a word.
    const raw = input as unknown as Record<string, unknown> & { endpoints?: Record<string, unknown> }
    if (sidebase08 && raw.refresh !== undefined) {
      check.fail('refresh', `is the shape of type 'local' (sidebase 1.x), which type 'refresh' does not read`, `with type 'refresh' write endpoints.refresh, refreshToken and refreshOnlyToken; or write type: 'local' with refresh: { isEnabled: true, … }`)
    }
    if (!sidebase08) {
      for (const [key, written, under] of [['refreshToken', raw.refreshToken, 'refresh.token'], ['refreshOnlyToken', raw.refreshOnlyToken, 'refresh.refreshOnlyToken'], ['endpoints.refresh', raw.endpoints?.refresh, 'refresh.endpoint']] as const) {
        if (written !== undefined) check.fail(key, `is the shape of type 'refresh' (sidebase 0.8), which type 'local' with refresh does not read`, `move it to ${under}`)
      }
    }

    const endpointInput: unknown = refresh.endpoint
    if (endpointInput !== undefined) check.endpoint(at.endpoint, endpointInput)
    if (endpointInput === false) check.fail(at.endpoint, 'is false, but the refresh provider needs it', `give it { path: '/refresh', method: 'post' }, or use type 'local' without refresh`)
    const endpoint = typeof endpointInput === 'object' && endpointInput !== null
      ? { ...refreshDefaults.endpoint, ...endpointInput, path: (endpointInput as { path?: string }).path ?? refreshDefaults.endpoint.path, method: String((endpointInput as { method?: string }).method ?? refreshDefaults.endpoint.method).toLowerCase() }
      : { ...refreshDefaults.endpoint }

    const given: RefreshTokenOptions = check.group(at.token, refresh.token) ? refresh.token ?? {} : {}
    const token: Required<RefreshTokenOptions> = {
      ...refreshDefaults.token,
      ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)),
      // '' (the incumbent's default and documented value) means: where the sign-in response has the token.
      refreshResponseTokenPointer: given.refreshResponseTokenPointer || base.options.token.signInResponseTokenPointer,
    }
    const refreshOnlyToken = refresh.refreshOnlyToken ?? refreshDefaults.refreshOnlyToken
    check.boolean(at.only, refreshOnlyToken)
    check.pointer(`${at.token}.signInResponseRefreshTokenPointer`, token.signInResponseRefreshTokenPointer)
    check.pointer(`${at.token}.refreshResponseTokenPointer`, token.refreshResponseTokenPointer)
    check.pointer(`${at.token}.refreshRequestTokenPointer`, token.refreshRequestTokenPointer)
    if (pointsToWholeDocument(base.options.token.signInResponseTokenPointer)) {
      check.fail('token.signInResponseTokenPointer', 'points at the whole signIn response, but with refresh that response carries the refresh token too: it is an object, not the access token', `point at the token, e.g. '/token'`)
    }
    if (pointsToWholeDocument(token.refreshRequestTokenPointer)) {
      check.fail(`${at.token}.refreshRequestTokenPointer`, 'points at the whole request body, which must be an object', `name a key, e.g. '/refreshToken'`)
    }
    check.cookieName(`${at.token}.cookieName`, token.cookieName)
    if (token.cookieName === base.options.token.cookieName) {
      check.fail(`${at.token}.cookieName`, `is the same as token.cookieName ('${token.cookieName}'): one token would overwrite the other`, `use another name, e.g. 'auth.refresh-token'`)
    }
    check.positiveNumber(`${at.token}.maxAgeInSeconds`, token.maxAgeInSeconds)
    check.sameSite(`${at.token}.sameSiteAttribute`, token.sameSiteAttribute, token.secureCookieAttribute, `${at.token}.secureCookieAttribute`)
    check.boolean(`${at.token}.secureCookieAttribute`, token.secureCookieAttribute)
    check.boolean(`${at.token}.httpOnlyCookieAttribute`, token.httpOnlyCookieAttribute)
    if (token.httpOnlyCookieAttribute !== base.options.token.httpOnlyCookieAttribute) {
      check.fail(`${at.token}.httpOnlyCookieAttribute`, 'differs from token.httpOnlyCookieAttribute: the browser must be able to read both tokens or neither', 'set both to the same value')
    }
    check.cookieDomain(`${at.token}.cookieDomain`, token.cookieDomain)
    check.cookiePrefix(`${at.token}.cookieName`, token.cookieName, token.secureCookieAttribute, `${at.token}.secureCookieAttribute`, token.cookieDomain, `${at.token}.cookieDomain`)

    const options: ResolvedRefreshOptions = { ...base.options, refresh: { endpoint, refreshOnlyToken, token } }
    return { options, issues: [...base.issues, ...check.issues] }
  },

  sessionDataType: options => local.sessionDataType!(options),
  sessionFallbackType: local.sessionFallbackType,

  tokenPointers: options => [...local.tokenPointers!(options), options.refresh.token.signInResponseRefreshTokenPointer],
  backendRoutes: options => [...local.backendRoutes!(options), { path: options.refresh.endpoint.path, method: options.refresh.endpoint.method }],

  runtimeConfig(options, context) {
    const base = local.runtimeConfig(options, context)
    const { token } = options.refresh
    const provider: RefreshRuntimeOptions = {
      ...(base.provider as unknown as RefreshRuntimeOptions),
      refreshEndpoint: options.refresh.endpoint,
      signInResponseRefreshTokenPointer: token.signInResponseRefreshTokenPointer,
      refreshResponseTokenPointer: token.refreshResponseTokenPointer,
      refreshRequestTokenPointer: token.refreshRequestTokenPointer,
      refreshOnlyToken: options.refresh.refreshOnlyToken,
    }
    return {
      ...base,
      refreshToken: {
        cookie: {
          name: token.cookieName,
          maxAge: token.maxAgeInSeconds,
          sameSite: token.sameSiteAttribute,
          secure: token.secureCookieAttribute,
          domain: token.cookieDomain || undefined,
          httpOnly: token.httpOnlyCookieAttribute,
        },
        // The refresh token travels in the request body (refreshRequestTokenPointer), never in a header.
        headerName: '',
        type: '',
        maxAgeInSeconds: token.maxAgeInSeconds,
      },
      provider: provider as unknown as Record<string, unknown>,
    }
  },
})
