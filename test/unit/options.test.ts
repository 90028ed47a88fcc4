import { describe, it, expect } from 'vitest'
import { AuthConfigError, resolveModuleOptions, type ModuleOptions } from '../../src/options'

/** Options as a user might write them in nuxt.config, including wrong types. */
const options = (value: unknown) => value as ModuleOptions
const local = (provider: Record<string, unknown>) => options({ provider: { type: 'local', ...provider } })

function configError(input: ModuleOptions, env: Record<string, string> = {}): AuthConfigError {
  try {
    resolveModuleOptions(input, env)
  }
  catch (error) {
    expect(error).toBeInstanceOf(AuthConfigError)
    return error as AuthConfigError
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`)
}

describe('resolveModuleOptions: defaults', () => {
  // The defaults of @sidebase/nuxt-auth's local provider, so an app can switch by changing the module name.
  const resolved = resolveModuleOptions({ provider: { type: 'local' } })
  const provider = resolved.public.provider as Record<string, unknown>

  it('uses the sidebase endpoints', () => {
    expect(provider.endpoints).toEqual({
      signIn: { path: '/login', method: 'post' },
      signOut: { path: '/logout', method: 'post' },
      signUp: { path: '/register', method: 'post' },
      getSession: { path: '/session', method: 'get' },
    })
  })

  it('uses the sidebase token and cookie defaults', () => {
    expect(resolved.public.token).toEqual({
      cookie: { name: 'auth.token', maxAge: 1800, sameSite: 'lax', secure: false, domain: undefined, httpOnly: false },
      headerName: 'Authorization',
      type: 'Bearer',
      maxAgeInSeconds: 1800,
    })
    expect(resolved.public.refreshToken).toBeNull()
  })

  it('uses the sidebase pointers and login page', () => {
    expect(provider.signInResponseTokenPointer).toBe('/token')
    expect(provider.dataResponsePointer).toBe('/')
    expect(provider.signInResponsePointer).toBe('')
    expect(resolved.public.pages).toEqual({ login: '/login' })
  })

  it('takes a login page on another site as the incumbent does (an absolute http(s) URL)', () => {
    expect(resolveModuleOptions(local({ pages: { login: 'https://sso.example.com/login' } })).public.pages).toEqual({ login: 'https://sso.example.com/login' })
  })

  it('uses the module-level defaults', () => {
    expect(resolved.enabled).toBe(true)
    expect(resolved.clientStrategy).toBe('local/client')
    expect(resolved.public.baseURL).toBe('/api/auth')
    expect(resolved.public.disableServerSideAuth).toBe(false)
    expect(resolved.public.globalAppMiddleware).toEqual({ isEnabled: false, allow404WithoutAuth: true, addDefaultCallbackUrl: true })
    expect(resolved.public.navigateAuthenticatedTo).toBe('/')
    expect(resolved.public.allowedRedirectOrigins).toEqual([])
    expect(resolved.public.requestTimeout).toBe(10_000)
  })

  it('defaults to the local provider when none is given', () => {
    expect(resolveModuleOptions()).toEqual(resolved)
    expect(resolveModuleOptions({})).toEqual(resolved)
  })
})

describe('resolveModuleOptions: normalisation', () => {
  it('keeps a disabled endpoint (false) as false', () => {
    const resolved = resolveModuleOptions(local({ endpoints: { signUp: false } }))
    const endpoints = (resolved.public.provider as { endpoints: Record<string, unknown> }).endpoints
    expect(endpoints.signUp).toBe(false)
    expect(endpoints.signIn).toEqual({ path: '/login', method: 'post' })
  })

  it('fills the default method or path of a partly given endpoint (as the incumbent merges them) and lower-cases methods', () => {
    const resolved = resolveModuleOptions(local({ endpoints: { signIn: { path: '/auth/login' }, getSession: { path: '/me', method: 'POST' }, signOut: { method: 'delete' } } }))
    const endpoints = (resolved.public.provider as { endpoints: Record<string, unknown> }).endpoints
    expect(endpoints.signIn).toEqual({ path: '/auth/login', method: 'post' })
    expect(endpoints.getSession).toEqual({ path: '/me', method: 'post' })
    expect(endpoints.signOut).toEqual({ path: '/logout', method: 'delete' })
    const withRefresh = resolveModuleOptions({ provider: { type: 'local', refresh: { isEnabled: true, endpoint: { method: 'put' } } } } as never)
    expect(withRefresh.public.provider).toMatchObject({ refreshEndpoint: { path: '/refresh', method: 'put' } })
  })

  it('does not leak one resolution into the next (defaults are not mutated)', () => {
    resolveModuleOptions(local({ endpoints: { signIn: { path: '/x', method: 'PUT' } }, token: { cookieName: 'other' } }))
    const again = resolveModuleOptions({ provider: { type: 'local' } })
    expect((again.public.provider as { endpoints: { signIn: unknown } }).endpoints.signIn).toEqual({ path: '/login', method: 'post' })
    expect(again.public.token?.cookie.name).toBe('auth.token')
  })

  it('does not mutate the user input', () => {
    const input = local({ endpoints: { getSession: { path: '/me', method: 'GET' } } })
    const copy = structuredClone(input)
    resolveModuleOptions(input)
    expect(input).toEqual(copy)
  })

  it('accepts a full baseURL, SameSite=None with Secure, and strips a trailing slash from allowed origins', () => {
    const resolved = resolveModuleOptions(options({
      baseURL: 'https://api.example.com/auth',
      allowedRedirectOrigins: ['https://accounts.example/'],
      provider: { type: 'local', token: { sameSiteAttribute: 'none', secureCookieAttribute: true } },
    }))
    expect(resolved.public.baseURL).toBe('https://api.example.com/auth')
    expect(resolved.public.allowedRedirectOrigins).toEqual(['https://accounts.example'])
    expect(resolved.public.token?.cookie).toMatchObject({ sameSite: 'none', secure: true })
  })

  it('accepts the header and scheme apps use: another header name, a scheme of one word, none at all', () => {
    const token = (input: Record<string, unknown>) => resolveModuleOptions(options({ provider: { type: 'local', token: input } })).public.token
    expect(token({ headerName: 'X-Auth-Token', type: '' })).toMatchObject({ headerName: 'X-Auth-Token', type: '' })
    expect(token({ type: 'JWT' })).toMatchObject({ headerName: 'Authorization', type: 'JWT' })
  })

  it('expands globalAppMiddleware: true', () => {
    expect(resolveModuleOptions({ globalAppMiddleware: true }).public.globalAppMiddleware).toEqual({ isEnabled: true, allow404WithoutAuth: true, addDefaultCallbackUrl: true })
  })
})

describe('resolveModuleOptions: validation', () => {
  it.each([
    ['unknown provider type', options({ provider: { type: 'oauth' } }), 'auth.provider.type'],
    ['endpoint with a path that is not a string', local({ endpoints: { signIn: { path: 7 } } }), 'auth.provider.endpoints.signIn.path'],
    ['endpoint with an empty path', local({ endpoints: { signIn: { path: '' } } }), 'auth.provider.endpoints.signIn.path'],
    ['endpoint that is neither an object nor false', local({ endpoints: { getSession: '/session' } }), 'auth.provider.endpoints.getSession'],
    ['bad method', local({ endpoints: { getSession: { path: '/session', method: 'fetch' } } }), 'auth.provider.endpoints.getSession.method'],
    ['token pointer not starting with "/"', local({ token: { signInResponseTokenPointer: 'token' } }), 'auth.provider.token.signInResponseTokenPointer'],
    ['data pointer not starting with "/"', local({ session: { dataResponsePointer: 'data/user' } }), 'auth.provider.session.dataResponsePointer'],
    ['signIn session pointer not starting with "/"', local({ session: { signInResponsePointer: 'user' } }), 'auth.provider.session.signInResponsePointer'],
    ['negative maxAge', local({ token: { maxAgeInSeconds: -1 } }), 'auth.provider.token.maxAgeInSeconds'],
    ['zero maxAge', local({ token: { maxAgeInSeconds: 0 } }), 'auth.provider.token.maxAgeInSeconds'],
    ['sameSite none without secure', local({ token: { sameSiteAttribute: 'none' } }), 'auth.provider.token.sameSiteAttribute'],
    ['unknown sameSite', local({ token: { sameSiteAttribute: 'loose' } }), 'auth.provider.token.sameSiteAttribute'],
    ['cookie name with a space', local({ token: { cookieName: 'auth token' } }), 'auth.provider.token.cookieName'],
    ['cookie name with a semicolon', local({ token: { cookieName: 'auth;token' } }), 'auth.provider.token.cookieName'],
    ['empty header name', local({ token: { headerName: '' } }), 'auth.provider.token.headerName'],
    ['header name with a space', local({ token: { headerName: 'Auth orization' } }), 'auth.provider.token.headerName'],
    ['header name with a colon', local({ token: { headerName: 'Authorization:' } }), 'auth.provider.token.headerName'],
    ['token type of two words', local({ token: { type: 'Bearer x' } }), 'auth.provider.token.type'],
    ['token type with a line break', local({ token: { type: 'Bearer\r\nX-Evil: 1' } }), 'auth.provider.token.type'],
    ['login page without a slash', local({ pages: { login: 'login' } }), 'auth.provider.pages.login'],
    ['login page on another host', local({ pages: { login: '//evil.com/login' } }), 'auth.provider.pages.login'],
    ['login page URL with credentials', local({ pages: { login: 'https://user:secret@sso.example.com/login' } }), 'auth.provider.pages.login'],
    ['login page URL of another scheme', local({ pages: { login: 'javascript:alert(1)' } }), 'auth.provider.pages.login'],
    ['relative baseURL', options({ baseURL: 'api/auth' }), 'auth.baseURL'],
    ['protocol-relative baseURL', options({ baseURL: '//api.example.com' }), 'auth.baseURL'],
    ['baseURL with a space', options({ baseURL: '/api/ auth' }), 'auth.baseURL'],
    ['baseURL with a query', options({ baseURL: 'https://api.example.com/auth?v=2' }), 'auth.baseURL'],
    ['baseURL with credentials', options({ baseURL: 'https://user:secret@api.example.com/auth' }), 'auth.baseURL'],
    ['authorization as an array', options({ authorization: [] as never }), 'auth.authorization'],
    ['allowed origin with a path', options({ allowedRedirectOrigins: ['https://accounts.example/login'] }), 'auth.allowedRedirectOrigins[0]'],
    ['allowed origin without a scheme', options({ allowedRedirectOrigins: ['https://ok.example', 'accounts.example'] }), 'auth.allowedRedirectOrigins[1]'],
    ['allowed origin with a non-http scheme', options({ allowedRedirectOrigins: ['javascript:alert(1)'] }), 'auth.allowedRedirectOrigins[0]'],
    ['protocol-relative navigateAuthenticatedTo', options({ navigateAuthenticatedTo: '//evil' }), 'auth.navigateAuthenticatedTo'],
    ['absolute navigateAuthenticatedTo', options({ navigateAuthenticatedTo: 'https://evil.com' }), 'auth.navigateAuthenticatedTo'],
    ['zero requestTimeout', options({ requestTimeout: 0 }), 'auth.requestTimeout'],
    ['a tiny body limit', options({ maxBodyBytes: 10 }), 'auth.maxBodyBytes'],
    ['a relay header that routes the request', options({ relayHeaders: ['accept-language', 'X-Forwarded-For'] }), 'auth.relayHeaders'],
    ['a relay header that names the client', options({ relayHeaders: ['True-Client-IP'] }), 'auth.relayHeaders'],
    ['a relay header that is no header name', options({ relayHeaders: ['x tenant'] }), 'auth.relayHeaders'],
    ['__Secure- cookie without Secure', local({ token: { cookieName: '__Secure-auth' } }), 'auth.provider.token.cookieName'],
    ['__Host- cookie without Secure', local({ token: { cookieName: '__Host-auth' } }), 'auth.provider.token.cookieName'],
    ['__Host- cookie with a domain', local({ token: { cookieName: '__Host-auth', secureCookieAttribute: true, cookieDomain: 'example.com' } }), 'auth.provider.token.cookieName'],
    ['__Secure- refresh cookie without Secure', options({ provider: { type: 'local', refresh: { isEnabled: true, token: { cookieName: '__Secure-rt' } } } }), 'auth.provider.refresh.token.cookieName'],
  ])('rejects %s, naming the key', (_label, input, key) => {
    const error = configError(input)
    expect(error.issues.map(issue => issue.key)).toEqual([key])
    const [issue] = error.issues
    expect(issue!.problem.length).toBeGreaterThan(0)
    expect(issue!.fix.length).toBeGreaterThan(0)
    expect(error.message).toContain(key)
    expect(error.message).toContain('Fix:')
    expect(error.message).toContain(issue!.fix)
  })

  it('lists every problem in one error', () => {
    const error = configError(options({
      baseURL: 'api/auth',
      navigateAuthenticatedTo: '//evil',
      allowedRedirectOrigins: ['nope'],
      provider: {
        type: 'local',
        endpoints: { signIn: { path: '/login', method: 'fetch' } },
        token: { cookieName: 'bad name', maxAgeInSeconds: -5 },
        session: { dataResponsePointer: 'user' },
      },
    }))
    const keys = error.issues.map(issue => issue.key)
    expect(keys.sort()).toEqual([
      'auth.allowedRedirectOrigins[0]',
      'auth.baseURL',
      'auth.navigateAuthenticatedTo',
      'auth.provider.endpoints.signIn.method',
      'auth.provider.session.dataResponsePointer',
      'auth.provider.token.cookieName',
      'auth.provider.token.maxAgeInSeconds',
    ])
    for (const key of keys) expect(error.message).toContain(key)
    expect(error.message.match(/Fix:/g)).toHaveLength(keys.length)
  })

  it('lists module-level problems together with an unknown provider type', () => {
    const error = configError(options({ baseURL: 'api', provider: { type: 'nope' } }))
    expect(error.issues.map(issue => issue.key).sort()).toEqual(['auth.baseURL', 'auth.provider.type'])
    expect(error.issues.find(issue => issue.key === 'auth.provider.type')!.fix).toContain('\'local\'')
  })
})

describe('the incumbent\'s documented values', () => {
  it('refreshResponseTokenPointer \'\' (its default and docs) means the sign-in response\'s token pointer', () => {
    const resolved = resolveModuleOptions({ provider: { type: 'local', token: { signInResponseTokenPointer: '/access' }, refresh: { isEnabled: true, token: { refreshResponseTokenPointer: '' } } } } as never)
    expect((resolved.public.provider as { refreshResponseTokenPointer: string }).refreshResponseTokenPointer).toBe('/access')
    const explicit = resolveModuleOptions({ provider: { type: 'local', refresh: { isEnabled: true, token: { refreshResponseTokenPointer: '/' } } } } as never)
    expect((explicit.public.provider as { refreshResponseTokenPointer: string }).refreshResponseTokenPointer).toBe('/')
  })

  it('originEnvKey: AUTH_ORIGIN (or the variable it names) set while building is what the build serves and checks, over auth.baseURL', () => {
    expect(resolveModuleOptions({ baseURL: '/api/auth' }, { AUTH_ORIGIN: 'https://app.example/api/auth' }).buildBaseURL).toBe('https://app.example/api/auth')
    expect(resolveModuleOptions({ originEnvKey: 'NUXT_BASE_URL' }, { AUTH_ORIGIN: 'https://a.example/x', NUXT_BASE_URL: 'https://b.example/y' }).buildBaseURL).toBe('https://b.example/y')
    expect(resolveModuleOptions({ baseURL: '/api/auth' }, {}).buildBaseURL).toBe('/api/auth')
    // A .env file with CRLF line ends.
    expect(resolveModuleOptions({}, { AUTH_ORIGIN: 'https://app.example/api/auth\r' }).buildBaseURL).toBe('https://app.example/api/auth')
    expect(resolveModuleOptions({}).public.originEnvKey).toBe('AUTH_ORIGIN')
  })

  it('AUTH_ORIGIN set while building is not built in, as in the incumbent: a server started without it uses auth.baseURL', () => {
    // A developer's .env (the incumbent's recommended set-up) read by `nuxi build`: production must not talk to localhost.
    const env = { AUTH_ORIGIN: 'http://localhost:3000/api/auth' }
    expect(resolveModuleOptions({}, env).public.baseURL).toBe('/api/auth')
    expect(resolveModuleOptions({ baseURL: 'https://api.example/auth' }, env).public.baseURL).toBe('https://api.example/auth')
    // A provider this app serves (Auth.js) is served under the build's path: that path is built in, not the origin.
    expect(resolveModuleOptions({ provider: { type: 'authjs' } }, { AUTH_ORIGIN: 'http://localhost:3000/auth' }).public.baseURL).toBe('/auth')
    // auth.baseURL is still checked: it is what such a server uses.
    const error = configError({ baseURL: 'api/auth' }, env)
    expect(error.message).toContain('auth.baseURL')
    expect(error.message).not.toContain('auth.originEnvKey')
  })

  it('a bad AUTH_ORIGIN fails naming the variable and the fix', () => {
    const error = configError({}, { AUTH_ORIGIN: 'app.example' })
    expect(error.message).toContain('AUTH_ORIGIN')
    expect(error.message).toContain('auth.originEnvKey')
    expect(error.message).toMatch(/Fix: set AUTH_ORIGIN to the full base URL/)
  })
})

describe('session.dataType (the incumbent\'s session types)', () => {
  it('passes the described shape on for the SessionData types, for local and refresh', () => {
    const dataType = { 'id': 'string', 'role': '\'admin\' | \'user\'', 'profile': { age: 'number' }, 'nickname?': 'string', 'subscriptions': '{ id: number, status: \'A\' | \'B\' }[]', 'onChange': '(value: Record<string, number>) => void' }
    expect(resolveModuleOptions(local({ session: { dataType } })).sessionDataType).toEqual(dataType)
    expect(resolveModuleOptions(options({ provider: { type: 'refresh', session: { dataType } } })).sessionDataType).toEqual(dataType)
    expect(resolveModuleOptions(local({})).sessionDataType).toBeNull()
  })

  it.each([
    ['not an object', 'string', 'auth.provider.session.dataType'],
    ['a leaf that is not a type', { id: 42 }, 'auth.provider.session.dataType.id'],
    ['a leaf that would end the declaration', { id: 'string }; declare const x: any; {' }, 'auth.provider.session.dataType.id'],
    ['a leaf that closes the declaration without a semicolon', { id: 'string } } declare global { var pwned: number } declare module \'#auth\' { interface SessionData { x: string' }, 'auth.provider.session.dataType.id'],
    ['a leaf with a line break', { id: 'string\r}' }, 'auth.provider.session.dataType.id'],
    ['a nested leaf', { user: { name: '' } }, 'auth.provider.session.dataType.user.name'],
  ])('%s fails naming the field', (_label, dataType, key) => {
    const issue = configError(local({ session: { dataType } })).issues.find(candidate => candidate.key === key)
    expect(issue?.problem).toMatch(/TypeScript type/)
    expect(issue?.fix).toContain('write e.g.')
  })
})

describe('unknown option keys', () => {
  it.each([
    ['a typo at the top level', { globalAppMiddlware: true }, 'auth.globalAppMiddlware', 'did you mean auth.globalAppMiddleware?'],
    ['a typo in sessionRefresh', { sessionRefresh: { enableOnWindowsFocus: false } }, 'auth.sessionRefresh.enableOnWindowsFocus', 'did you mean auth.sessionRefresh.enableOnWindowFocus?'],
    ['a typo in the provider', { provider: { type: 'local', token: { cookeName: 'x' } } }, 'auth.provider.token.cookeName', 'did you mean auth.provider.token.cookieName?'],
    ['a typo in refresh options', { provider: { type: 'local', refresh: { isEnabled: true, token: { refreshRequestPointer: '/r' } } } }, 'auth.provider.refresh.token.refreshRequestPointer', 'did you mean auth.provider.refresh.token.refreshRequestTokenPointer?'],
    ['an Auth.js option of another provider', { provider: { type: 'authjs', endpoints: {} } }, 'auth.provider.endpoints', 'remove it'],
  ])('%s fails the build naming the key and the nearest one', (_label, input, key, fix) => {
    const issue = configError(input as ModuleOptions).issues.find(candidate => candidate.key === key)
    expect(issue?.problem).toBe('is not an option')
    expect(issue?.fix).toContain(fix)
  })

  it('the incumbent\'s own playground configs build unchanged (local with refresh, authjs)', () => {
    const local = {
      provider: {
        type: 'local',
        endpoints: { getSession: { path: '/user' }, signUp: { path: '/signup', method: 'post' } },
        pages: { login: '/' },
        token: { signInResponseTokenPointer: '/token/accessToken' },
        session: { dataType: { id: 'string', email: 'string' }, dataResponsePointer: '/' },
        refresh: { isEnabled: true, endpoint: { path: '/refresh', method: 'post' }, token: { signInResponseRefreshTokenPointer: '/token/refreshToken', refreshResponseTokenPointer: '', refreshRequestTokenPointer: '/refreshToken' } },
      },
      sessionRefresh: { enableOnWindowFocus: true, enablePeriodically: 5000 },
      globalAppMiddleware: { isEnabled: true },
    }
    expect(() => resolveModuleOptions(local as never)).not.toThrow()
    expect(() => resolveModuleOptions({ provider: { type: 'authjs' }, globalAppMiddleware: { isEnabled: true }, baseURL: 'http://localhost:3000/api/auth' } as never)).not.toThrow()
    // The incumbent documents '/' for an endpoint that answers the token itself, as a plain string.
    expect(resolveModuleOptions({ provider: { type: 'local', token: { signInResponseTokenPointer: '/' } } } as never).public.provider).toMatchObject({ signInResponseTokenPointer: '/' })
    // A backend elsewhere may sit at an origin's root (only Auth.js, served by the app, needs a path).
    expect(resolveModuleOptions({ provider: { type: 'local' }, baseURL: 'https://api.example.com' } as never).public.baseURL).toBe('https://api.example.com')
    expect(() => resolveModuleOptions({ provider: { type: 'refresh', endpoints: { refresh: { path: '/refresh', method: 'post' } }, refreshOnlyToken: true, refreshToken: { signInResponseRefreshTokenPointer: '/refresh-token' } }, disableInternalRouting: true } as never)).not.toThrow()
  })
})

describe('sessionRefresh as a boolean (the incumbent\'s docs type it `SessionConfig | boolean`)', () => {
  it('false turns the focus and periodic checks off; true keeps the defaults', () => {
    expect(resolveModuleOptions({ sessionRefresh: false }).public.sessionRefresh).toMatchObject({ enablePeriodically: false, enableOnWindowFocus: false })
    expect(resolveModuleOptions({ sessionRefresh: true }).public.sessionRefresh).toEqual(resolveModuleOptions({}).public.sessionRefresh)
    expect(resolveModuleOptions({}).public.sessionRefresh).toMatchObject({ enablePeriodically: false, enableOnWindowFocus: true })
  })
})

describe('authjs: where signed-out visitors go', () => {
  it('Auth.js\'s own sign-in page, or with defaultProvider the start of that provider\'s sign-in; an app login page wins', () => {
    expect(resolveModuleOptions({ provider: { type: 'authjs' } }).public.pages).toMatchObject({ login: null, serverLoginPath: '/signin' })
    expect(resolveModuleOptions({ provider: { type: 'authjs', defaultProvider: 'keycloak' } }).public.pages).toMatchObject({ login: null, serverLoginPath: '/signin/keycloak' })
    expect(resolveModuleOptions({ provider: { type: 'authjs', defaultProvider: 'keycloak', pages: { login: '/login' } } }).public.pages).toEqual({ login: '/login', redirectQueryKey: 'callbackUrl' })
  })

  it('refuses a defaultProvider id Auth.js cannot route (it matches the path segment undecoded)', () => {
    expect(() => resolveModuleOptions({ provider: { type: 'authjs', defaultProvider: 'my.idp_2-eu' } })).not.toThrow()
    for (const id of ['my idp', 'a/b', 'ké']) {
      expect(() => resolveModuleOptions({ provider: { type: 'authjs', defaultProvider: id } }), id).toThrow(/auth\.provider\.defaultProvider[\s\S]*cannot route/)
    }
  })
})

describe('validation added after review', () => {
  const resolveWith = (input: Record<string, unknown>) => {
    try {
      resolveModuleOptions(input as never)
      return []
    }
    catch (error) {
      return ((error as { issues?: Array<{ key: string }> }).issues ?? []).map(issue => issue.key)
    }
  }

  it.each([
    [{ isEnabled: 'false' }, 'auth.isEnabled'],
    [{ disableServerSideAuth: 1 }, 'auth.disableServerSideAuth'],
    [{ globalAppMiddleware: null }, 'auth.globalAppMiddleware'],
    [{ globalAppMiddleware: { isEnabled: 'yes' } }, 'auth.globalAppMiddleware.isEnabled'],
    [{ globalAppMiddleware: { addDefaultCallbackUrl: '//evil.com' } }, 'auth.globalAppMiddleware.addDefaultCallbackUrl'],
    [{ allowedRedirectOrigins: 'https://x.example' }, 'auth.allowedRedirectOrigins'],
    [{ requestTimeout: 3e9 }, 'auth.requestTimeout'],
    [{ requestTimeout: Number.POSITIVE_INFINITY }, 'auth.requestTimeout'],
    [{ provider: { type: 'local', token: { cookieDomain: 'x.com; SameSite=None' } } }, 'auth.provider.token.cookieDomain'],
    // '/' makes the whole answer the token: no session in it, and with refresh no refresh token either.
    [{ provider: { type: 'local', token: { signInResponseTokenPointer: '/' }, session: { signInResponsePointer: '/user' } } }, 'auth.provider.session.signInResponsePointer'],
    [{ provider: { type: 'local', token: { signInResponseTokenPointer: '/' }, refresh: { isEnabled: true } } }, 'auth.provider.token.signInResponseTokenPointer'],
    [{ provider: { type: 'refresh', token: { signInResponseTokenPointer: '' } } }, 'auth.provider.token.signInResponseTokenPointer'],
    // A group of options that is no object: named once, as itself (not as its sub-keys "got undefined").
    [{ provider: { type: 'local', pages: '/login' } }, 'auth.provider.pages'],
    [{ provider: { type: 'local', token: 'auth.token' } }, 'auth.provider.token'],
    [{ provider: { type: 'local', endpoints: ['signIn'] } }, 'auth.provider.endpoints'],
    [{ provider: { type: 'local', refresh: { isEnabled: true, token: 'auth.refresh-token' } } }, 'auth.provider.refresh.token'],
    [{ provider: { type: 'refresh', refreshToken: 'auth.refresh-token' } }, 'auth.provider.refreshToken'],
    // A cookie's Max-Age is whole seconds: below 1 it is written as 0, which deletes the cookie as it is set.
    [{ provider: { type: 'local', token: { maxAgeInSeconds: 0.5 } } }, 'auth.provider.token.maxAgeInSeconds'],
    // A list naming nothing would turn the check off.
    [{ jwtVerification: { secret: 'a-secret-of-thirty-two-characters-at-least', audience: [] } }, 'auth.jwtVerification.audience'],
    [{ jwtVerification: { secret: 'a-secret-of-thirty-two-characters-at-least', issuer: [''] } }, 'auth.jwtVerification.issuer'],
    [{ jwtVerification: [] }, 'auth.jwtVerification'],
    // Auth.js is served under baseURL's path: at the root it would answer every page.
    [{ provider: { type: 'authjs' }, baseURL: 'http://localhost:3000' }, 'auth.baseURL'],
    [{ provider: { type: 'authjs' }, baseURL: '/' }, 'auth.baseURL'],
    [{ provider: { type: 'local', endpoints: { getSession: false } } }, 'auth.provider.endpoints.getSession'],
    [{ provider: { type: 'local', pages: { login: '/login?x=1' } } }, 'auth.provider.pages.login'],
    [{ sessionRefresh: { handler: '' } }, 'auth.sessionRefresh.handler'],
    [{ sessionRefresh: { enablePeriodically: 10 } }, 'auth.sessionRefresh.enablePeriodically'],
    [{ sessionRefresh: 'off' }, 'auth.sessionRefresh'],
    [{ sessionCache: true }, 'auth.sessionCache'],
    [{ sessionCache: { maxAge: -1 } }, 'auth.sessionCache.maxAge'],
    // JSON has no Infinity: the generated config would hold null (no cache, a refresh lead of 0).
    [{ sessionCache: { maxAge: Number.POSITIVE_INFINITY } }, 'auth.sessionCache.maxAge'],
    [{ sessionRefresh: { skewSeconds: Number.POSITIVE_INFINITY } }, 'auth.sessionRefresh.skewSeconds'],
    [{ jwtVerification: { secret: 'a-secret-of-thirty-two-characters-at-least', clockToleranceSeconds: Number.POSITIVE_INFINITY } }, 'auth.jwtVerification.clockToleranceSeconds'],
    // A string is truthy: 'no' turned the focus check on.
    [{ sessionRefresh: { enableOnWindowFocus: 'no' } }, 'auth.sessionRefresh.enableOnWindowFocus'],
    [{ sessionCache: { maxEntries: 0.5 } }, 'auth.sessionCache.maxEntries'],
    // One readable token and one not: the browser could refresh with neither.
    [{ provider: { type: 'refresh', token: { httpOnlyCookieAttribute: true } } }, 'auth.provider.refreshToken.httpOnlyCookieAttribute'],
    [{ provider: { type: 'refresh', refreshToken: { cookieName: 'auth.token' } } }, 'auth.provider.refreshToken.cookieName'],
    [{ provider: { type: 'local', refresh: { isEnabled: true, token: { refreshRequestTokenPointer: '/' } } } }, 'auth.provider.refresh.token.refreshRequestTokenPointer'],
    // One shape's keys under the other's type: accepted by the key check, never read (a Secure refresh cookie lost).
    [{ provider: { type: 'refresh', refresh: { token: { secureCookieAttribute: true } } } }, 'auth.provider.refresh'],
    [{ provider: { type: 'local', refresh: { isEnabled: true }, refreshToken: { secureCookieAttribute: true } } }, 'auth.provider.refreshToken'],
    [{ provider: { type: 'local', refresh: { isEnabled: true }, refreshOnlyToken: false } }, 'auth.provider.refreshOnlyToken'],
    [{ provider: { type: 'local', refresh: { isEnabled: true }, endpoints: { refresh: { path: '/renew', method: 'post' } } } }, 'auth.provider.endpoints.refresh'],
    [{ provider: { type: 'local', refresh: { isEnabled: 'true' } } }, 'auth.provider.refresh.isEnabled'],
  ])('%j fails naming %s', (input, key) => {
    expect(resolveWith(input)).toContain(key)
  })

  it('a group that is no object is named once, as itself; sessionRefresh.refreshHandler (the incumbent\'s docs) is told its real name', () => {
    expect(resolveWith({ provider: { type: 'local', token: 'auth.token', pages: '/login' } })).toEqual(['auth.provider.token', 'auth.provider.pages'])
    const misnamed = configError({ sessionRefresh: { refreshHandler: './refresh-handler' } } as never).issues
    expect(misnamed).toEqual([expect.objectContaining({ key: 'auth.sessionRefresh.refreshHandler', fix: expect.stringContaining('rename it to auth.sessionRefresh.handler') })])
  })

  it('shows the value as written, not as JSON shows it (Infinity, not null), and says which rule baseURL breaks', () => {
    expect(configError({ sessionCache: { maxAge: Number.POSITIVE_INFINITY } }).message).toContain('got Infinity')
    expect(configError({ baseURL: 'https://api.example.com/auth?v=2' }).message).toContain('has a query or a hash')
    const withCredentials = configError({ baseURL: 'https://user:secret@api.example.com/auth' }).message
    expect(withCredentials).toContain('carries user info')
    // The password is not written into the build's log.
    expect(withCredentials).toContain('"https://…@api.example.com/auth"')
    expect(withCredentials).not.toContain('secret')
    expect(configError({ baseURL: 'api/auth' }).message).toContain('is neither a path')
  })

  it('accepts httpOnly cookies with refresh tokens (both tokens then go through the server)', () => {
    expect(resolveWith({ provider: { type: 'refresh', token: { httpOnlyCookieAttribute: true }, refreshToken: { httpOnlyCookieAttribute: true } } })).toEqual([])
    expect(resolveWith({ provider: { type: 'local', token: { httpOnlyCookieAttribute: true }, refresh: { isEnabled: true, token: { httpOnlyCookieAttribute: true } } } })).toEqual([])
  })

  it('accepts a valid cookie domain and both refresh shapes meaning the same thing', () => {
    expect(resolveWith({ provider: { type: 'local', token: { cookieDomain: '.example.com' } } })).toEqual([])
    const legacy = resolveModuleOptions({ provider: { type: 'refresh', endpoints: { refresh: { path: '/renew', method: 'post' } }, refreshOnlyToken: false, refreshToken: { cookieName: 'rt', maxAgeInSeconds: 60 } } } as never)
    const current = resolveModuleOptions({ provider: { type: 'local', refresh: { isEnabled: true, endpoint: { path: '/renew', method: 'post' }, refreshOnlyToken: false, token: { cookieName: 'rt', maxAgeInSeconds: 60 } } } } as never)
    expect(legacy.clientStrategy).toBe('refresh/client')
    expect(current).toEqual(legacy)
    expect(current.public.refreshToken?.cookie).toMatchObject({ name: 'rt', maxAge: 60 })
    expect((current.public.provider as { refreshEndpoint: unknown }).refreshEndpoint).toEqual({ path: '/renew', method: 'post' })
  })

  it('the session cache: 10 s by default, off with false or maxAge 0', () => {
    expect(resolveModuleOptions({}).server.sessionCache).toEqual({ maxAge: 10, maxEntries: 10_000 })
    expect(resolveModuleOptions({ sessionCache: false }).server.sessionCache.maxAge).toBe(0)
    expect(resolveModuleOptions({ sessionCache: { maxAge: 0 } }).server.sessionCache.maxAge).toBe(0)
    expect(resolveModuleOptions({ sessionCache: { maxAge: 60, maxEntries: 5 } }).server.sessionCache).toEqual({ maxAge: 60, maxEntries: 5 })
  })

  it('accepts prefixed cookie names with the attributes browsers require', () => {
    expect(resolveModuleOptions(local({ token: { cookieName: '__Host-auth', secureCookieAttribute: true } })).public.token?.cookie).toMatchObject({ name: '__Host-auth', secure: true })
    expect(resolveModuleOptions(local({ token: { cookieName: '__Secure-auth', secureCookieAttribute: true, cookieDomain: 'example.com' } })).public.token?.cookie).toMatchObject({ secure: true, domain: 'example.com' })
  })

  it('relay headers: accept-language by default, lower-cased, in the server-only runtime config', () => {
    expect(resolveModuleOptions({}).server.relayHeaders).toEqual(['accept-language'])
    expect(resolveModuleOptions({ relayHeaders: ['Accept-Language', 'X-Tenant'] }).server.relayHeaders).toEqual(['accept-language', 'x-tenant'])
  })

  it('request bodies: 64 kB by default, in the server-only runtime config', () => {
    expect(resolveModuleOptions({}).server.maxBodyBytes).toBe(65_536)
    expect(resolveModuleOptions({ maxBodyBytes: 8192 }).server.maxBodyBytes).toBe(8192)
  })

  it('local with refresh disabled stays the local provider', () => {
    const resolved = resolveModuleOptions({ provider: { type: 'local', refresh: { isEnabled: false } } } as never)
    expect(resolved.clientStrategy).toBe('local/client')
    expect(resolved.public.refreshToken).toBeNull()
  })
})

describe('resolveModuleOptions: sessions and sharedState', () => {
  it('session mode keeps both tokens away from the browser and writes the secret empty for the environment', () => {
    const resolved = resolveModuleOptions(options({ sessions: { storage: 'redis' }, provider: { type: 'local', refresh: { isEnabled: true } } }))
    expect(resolved.public.token?.cookie.httpOnly).toBe(true)
    expect(resolved.public.refreshToken?.cookie.httpOnly).toBe(true)
    expect(resolved.server.sessions).toMatchObject({ enabled: true, storage: 'redis', secret: '', redisUrl: '', redisBase: 'gatekeeper', cookieName: 'gatekeeper.session', sameSite: 'lax', idleTimeout: 1800, maxAge: 28_800, userIdPointer: '/id', maxEntries: 10_000 })
    expect(resolveModuleOptions(options({ sessions: true })).server.sessions?.storage).toBe('memory')
    expect(resolveModuleOptions({}).server.sessions).toBeUndefined()
  })

  it('refuses bad session options, naming each', () => {
    const error = configError(options({ sessions: { storage: 'not a mount!', cookieName: '__Host-x', sameSite: 'loose', idleTimeoutSeconds: 10, maxAgeSeconds: 'long', userIdPointer: 'id', maxEntries: 0, colour: 'red' } }))
    const keys = error.issues.map(issue => issue.key)
    expect(keys).toEqual(expect.arrayContaining(['auth.sessions.storage', 'auth.sessions.cookieName', 'auth.sessions.sameSite', 'auth.sessions.idleTimeoutSeconds', 'auth.sessions.maxAgeSeconds', 'auth.sessions.userIdPointer', 'auth.sessions.maxEntries', 'auth.sessions.colour']))
    expect(configError(options({ sessions: { idleTimeoutSeconds: 7200, maxAgeSeconds: 3600 } })).issues[0]).toMatchObject({ key: 'auth.sessions.idleTimeoutSeconds' })
    expect(configError(options({ sessions: 'yes' })).issues[0]).toMatchObject({ key: 'auth.sessions' })
  })

  it('refuses session mode and shared state for Auth.js, which keeps no tokens', () => {
    const keys = configError(options({ sessions: true, sharedState: true, provider: { type: 'authjs' } })).issues.map(issue => issue.key)
    expect(keys).toEqual(expect.arrayContaining(['auth.sessions', 'auth.sharedState']))
  })

  it('shared state defaults to Redis and refuses storages no two instances share', () => {
    expect(resolveModuleOptions(options({ sharedState: true })).server.sharedState).toEqual({ storage: 'redis', secret: '', redisUrl: '', redisBase: 'gatekeeper' })
    for (const storage of ['memory', 'fs']) {
      const [issue] = configError(options({ sharedState: { storage } })).issues
      expect(issue).toMatchObject({ key: 'auth.sharedState.storage' })
      expect(issue!.fix).toContain('redis')
    }
  })
})
