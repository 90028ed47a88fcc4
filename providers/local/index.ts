import { defu } from 'defu'
import { defineAuthProvider } from '../types'
import { OptionChecker, pointsToWholeDocument } from '../validate'
import { localDefaults, localOptionShape, type LocalProviderOptions, type LocalRuntimeOptions, type ResolvedLocalOptions } from './options'

export type { LocalProviderOptions } from './options'

const ENDPOINTS = ['signIn', 'signOut', 'signUp', 'getSession'] as const

export default defineAuthProvider<LocalProviderOptions, ResolvedLocalOptions>({
  types: ['local'],
  optionShape: localOptionShape,
  clientStrategy: 'local/client',
  clientCapabilities: { refresh: false, actions: [] },

  resolve(input, path) {
    const check = new OptionChecker(path)
    // `isEnabled: 'true'` would pick this provider, without refresh tokens, and nothing would say so.
    const refreshEnabled: unknown = (input as { refresh?: { isEnabled?: unknown } }).refresh?.isEnabled
    if (refreshEnabled !== undefined && typeof refreshEnabled !== 'boolean') {
      check.fail('refresh.isEnabled', `must be true or false, got ${JSON.stringify(refreshEnabled)}`, 'write true (no quotes) to use refresh tokens, or leave refresh out')
    }
    // Endpoints are resolved one by one, not through defu: `false` must stay false, and a malformed entry
    // must be reported rather than silently replaced by the default.
    const endpoints = {} as ResolvedLocalOptions['endpoints']
    const endpointsInput = check.group('endpoints', input.endpoints) ? input.endpoints : undefined
    for (const name of ENDPOINTS) {
      const given: unknown = endpointsInput?.[name]
      const fallback = localDefaults.endpoints[name] as { path: string, method: string }
      if (given === undefined) {
        endpoints[name] = { ...fallback }
        continue
      }
      check.endpoint(`endpoints.${name}`, given)
      endpoints[name] = given === false || typeof given !== 'object' || given === null
        ? false
        : { ...(given as { path: string }), path: (given as { path?: string }).path ?? fallback.path, method: String((given as { method?: string }).method ?? fallback.method).toLowerCase() }
    }
    // A group that is no object is reported once here, and its defaults stand (defu would replace them with it).
    const groups = {
      ...input,
      endpoints: undefined,
      token: check.group('token', input.token) ? input.token : undefined,
      pages: check.group('pages', input.pages) ? input.pages : undefined,
      session: check.group('session', input.session) ? input.session : undefined,
    }
    const options = { ...defu(groups, { type: 'local' as const, ...localDefaults }), endpoints } as ResolvedLocalOptions

    check.pageOrUrl('pages.login', options.pages.login)
    check.pointer('token.signInResponseTokenPointer', options.token.signInResponseTokenPointer)
    check.authorizationScheme('token.type', options.token.type)
    check.cookieName('token.cookieName', options.token.cookieName)
    check.headerName('token.headerName', options.token.headerName)
    check.positiveNumber('token.maxAgeInSeconds', options.token.maxAgeInSeconds)
    check.sameSite('token.sameSiteAttribute', options.token.sameSiteAttribute, options.token.secureCookieAttribute, 'token.secureCookieAttribute')
    check.boolean('token.secureCookieAttribute', options.token.secureCookieAttribute)
    check.boolean('token.httpOnlyCookieAttribute', options.token.httpOnlyCookieAttribute)
    check.cookieDomain('token.cookieDomain', options.token.cookieDomain)
    check.cookiePrefix('token.cookieName', options.token.cookieName, options.token.secureCookieAttribute, 'token.secureCookieAttribute', options.token.cookieDomain, 'token.cookieDomain')
    // '/' (or ''): the whole answer is the token, a JSON string or plain text, as the incumbent documents it. There is
    // then no session in it to read.
    if (pointsToWholeDocument(options.token.signInResponseTokenPointer) && options.session.signInResponsePointer !== undefined) {
      check.fail('session.signInResponsePointer', `is set, but token.signInResponseTokenPointer '${options.token.signInResponseTokenPointer}' makes the whole signIn response the token: there is no session in it to read`, 'remove session.signInResponsePointer (the session comes from endpoints.getSession), or point token.signInResponseTokenPointer at the token inside the response')
    }
    if (input.endpoints?.getSession === false) {
      // Without it a reload cannot restore the session, and the guard could never reach a verdict.
      check.fail('endpoints.getSession', 'is false, but the session must be restorable after a reload', `give it { path: '/session', method: 'get' }`)
    }
    check.pointer('session.dataResponsePointer', options.session.dataResponsePointer)
    check.pointer('session.signInResponsePointer', options.session.signInResponsePointer, { optional: true })
    check.sessionDataType('session.dataType', options.session.dataType)
    return { options, issues: check.issues }
  },

  sessionDataType: options => options.session.dataType ?? null,
  // The incumbent's SessionData without `session.dataType`.
  sessionFallbackType: ['id: string | number', '[field: string]: unknown'],

  tokenPointers: options => [options.token.signInResponseTokenPointer],
  backendRoutes: options => ENDPOINTS.flatMap(name => options.endpoints[name] ? [{ path: options.endpoints[name].path, method: options.endpoints[name].method }] : []),

  runtimeConfig(options) {
    const provider: LocalRuntimeOptions = {
      endpoints: options.endpoints,
      signInResponseTokenPointer: options.token.signInResponseTokenPointer,
      dataResponsePointer: options.session.dataResponsePointer,
      // Nitro turns null runtime-config values into "", so "" means unset; the root pointer is spelled "/".
      signInResponsePointer: options.session.signInResponsePointer === undefined ? '' : (options.session.signInResponsePointer || '/'),
    }
    return {
      token: {
        cookie: {
          name: options.token.cookieName,
          maxAge: options.token.maxAgeInSeconds,
          sameSite: options.token.sameSiteAttribute,
          secure: options.token.secureCookieAttribute,
          domain: options.token.cookieDomain || undefined,
          httpOnly: options.token.httpOnlyCookieAttribute,
        },
        headerName: options.token.headerName,
        type: options.token.type,
        maxAgeInSeconds: options.token.maxAgeInSeconds,
      },
      refreshToken: null,
      pages: { login: options.pages.login },
      provider: provider as unknown as Record<string, unknown>,
    }
  },
})
