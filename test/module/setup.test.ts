import { fileURLToPath } from 'node:url'
import { loadNuxt } from '@nuxt/kit'
import type { Nuxt } from '@nuxt/schema'
import { describe, expect, it, vi } from 'vitest'
import type { PublicAuthConfig } from '../../src/runtime/core/config'

// Loads a real Nuxt (no build) with the module, to check what setup() wires and how bad options fail.
const modulePath = fileURLToPath(new URL('../../src/module', import.meta.url))
const rootDir = fileURLToPath(new URL('../fixtures/setup', import.meta.url))

async function load(overrides: Record<string, unknown>): Promise<Nuxt> {
  return await loadNuxt({ cwd: rootDir, ready: true, overrides: { ssr: true, telemetry: false, ...overrides } })
}

function installedNames(nuxt: Nuxt) {
  return (nuxt.options._installedModules ?? []).map(entry => entry.meta?.name).filter(Boolean)
}

describe('module setup', () => {
  it('fails loading with every bad option named, and the fix', async () => {
    const failure = await load({
      modules: [modulePath],
      auth: { baseURL: 'api/auth', provider: { type: 'local', endpoints: { signIn: { path: '' } }, token: { signInResponseTokenPointer: 'token' } } },
    }).then(() => null, (error: unknown) => error as Error)
    expect(failure).toBeInstanceOf(Error)
    expect(failure!.message).toContain('auth.baseURL')
    expect(failure!.message).toContain('auth.provider.endpoints.signIn.path')
    expect(failure!.message).toContain('auth.provider.token.signInResponseTokenPointer')
    expect(failure!.message.match(/Fix:/g)?.length).toBe(3)
  })

  it.each([
    ['module only', [modulePath], false],
    ['@pinia/nuxt listed before', ['@pinia/nuxt', modulePath], true],
    ['@pinia/nuxt listed after', [modulePath, '@pinia/nuxt'], true],
  ])('installs no Pinia of its own (%s)', async (_name, modules, appHasPinia) => {
    const nuxt = await load({ modules, auth: { provider: { type: 'local' } } })
    try {
      // The state is a plain reactive object; useAuthState().store wraps it in the app's Pinia, or one made then.
      const piniaPlugins = nuxt.options.plugins.map(plugin => typeof plugin === 'string' ? plugin : plugin.src).filter(src => /pinia/.test(src))
      expect(installedNames(nuxt).filter(name => name === 'pinia')).toHaveLength(appHasPinia ? 1 : 0)
      expect(piniaPlugins.filter(src => !src.includes('@pinia/nuxt'))).toEqual([])
      expect(piniaPlugins.length > 0).toBe(appHasPinia)
      expect(installedNames(nuxt)).toContain('nuxt-gatekeeper')
    }
    finally {
      await nuxt.close()
    }
  })

  it.each([
    ['local', { type: 'local' }, 'id: string | number'],
    ['refresh', { type: 'refresh' }, 'id: string | number'],
    ['authjs', { type: 'authjs' }, 'user?: { name?: string | null, email?: string | null, image?: string | null'],
  ])('types the session as the incumbent does while the app describes none (%s)', async (_name, provider, member) => {
    const nuxt = await load({ modules: [modulePath], auth: { provider } })
    try {
      const template = nuxt.options.build.templates.find(entry => entry.filename === 'types/gatekeeper-session-fallback.d.ts')
      const source = await (template!.getContents as () => Promise<string> | string)()
      expect(source).toContain('interface SessionFallback {')
      expect(source).toContain(member)
    }
    finally {
      await nuxt.close()
    }
  })

  it('writes no fallback session type where session.dataType describes the session', async () => {
    const nuxt = await load({ modules: [modulePath], auth: { provider: { type: 'local', session: { dataType: { id: 'number' } } } } })
    try {
      expect(nuxt.options.build.templates.some(entry => entry.filename === 'types/gatekeeper-session-fallback.d.ts')).toBe(false)
      expect(nuxt.options.build.templates.some(entry => entry.filename === 'types/gatekeeper-session-data.d.ts')).toBe(true)
    }
    finally {
      await nuxt.close()
    }
  })

  it('generates the public and server configs, and puts nothing into runtimeConfig', async () => {
    const nuxt = await load({ modules: [modulePath], auth: { globalAppMiddleware: true, provider: { type: 'local', pages: { login: '/sign-in' } } } })
    try {
      // Nitro env-scans runtimeConfig on every request and pages carry the public part: the server applies
      // NUXT_PUBLIC_AUTH_BASE_URL itself (shared/config.ts), through a plugin of its own.
      expect(nuxt.options.runtimeConfig.public.auth).toBeUndefined()
      expect(nuxt.options.nitro.plugins?.some(plugin => plugin?.includes('public-config'))).toBe(true)
      const template = nuxt.options.build.templates.find(entry => entry.filename === 'gatekeeper/config.mjs')
      const source = await (template!.getContents as () => Promise<string> | string)()
      const config = JSON.parse(source.replace(/^export default /, '')) as PublicAuthConfig
      expect(config.baseURL).toBe('/api/auth')
      expect(config.pages.login).toBe('/sign-in')
      expect(config.globalAppMiddleware).toEqual({ isEnabled: true, allow404WithoutAuth: true, addDefaultCallbackUrl: true })
      expect(config.token?.cookie.name).toBe('auth.token')
      expect(config).not.toHaveProperty('sessionCache')
      // Server-only settings stay out of the public config (and so out of every page), and out of runtimeConfig,
      // which Nitro clones and env-scans on every request: a generated file, the environment applied per process.
      expect(nuxt.options.runtimeConfig.auth).toBeUndefined()
      const serverTemplate = nuxt.options.build.templates.find(entry => entry.filename === 'gatekeeper/server-config.mjs')
      const server = JSON.parse((await (serverTemplate!.getContents as () => Promise<string> | string)()).replace(/^export default /, ''))
      expect(server).toEqual({
        sessionCache: { maxAge: 10, maxEntries: 10_000 },
        maxBodyBytes: 65_536,
        relayHeaders: ['accept-language'],
        // Every key present and empty, so NUXT_AUTH_JWT_VERIFICATION_* can set each at run time.
        jwtVerification: { enabled: false, secret: '', publicKey: '', jwksUrl: '', issuer: '', audience: '', typ: '', algorithms: '', sessionPointer: '/', clockToleranceSeconds: 0, jwksCooldownSeconds: 30 },
        forward: {},
        // The provider's: where its sign-in answer has tokens, taken out of a relayed sign-up answer.
        tokenPointers: ['/token'],
        // The provider's: the backend's routes it calls, which route rules never refuse (the local defaults).
        backendRoutes: [{ path: '/login', method: 'post' }, { path: '/logout', method: 'post' }, { path: '/register', method: 'post' }, { path: '/session', method: 'get' }],
        // Random per build (core/protocol.ts, RENDER_HEADER): every instance of this build shares it.
        renderMark: expect.stringMatching(/^[0-9a-f-]{36}$/),
      })
      expect(JSON.stringify(config)).not.toContain('jwtVerification')
      expect(source).not.toContain(server.renderMark)
      // No relay routes unless the token cookie is httpOnly.
      expect(nuxt.options.serverHandlers.filter(handler => handler.route?.startsWith('/api/_auth'))).toEqual([])
    }
    finally {
      await nuxt.close()
    }
  })

  it('warns at build time about an auth.forward upstream that would carry the token over plain http, and only that one', async () => {
    // What the build prints, whichever consola reporter prints it (an earlier load may have replaced them).
    const printed: string[] = []
    const capture = (stream: NodeJS.WriteStream) => vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => printed.push(String(chunk)) > 0)
    const spies = [capture(process.stdout), capture(process.stderr)]
    const nuxt = await load({ modules: [modulePath], auth: { provider: { type: 'local', token: { httpOnlyCookieAttribute: true } }, forward: { '/api/shop': 'http://shop.example.com/v1', '/api/orders': 'http://orders:8080', '/api/secure': 'https://pay.example.com' } } })
      .finally(() => spies.forEach(spy => spy.mockRestore()))
    try {
      const warnings = printed.join('').split('\n').filter(line => line.includes('auth.forward maps'))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain('/api/shop')
      expect(warnings[0]).toContain('http://shop.example.com/v1')
    }
    finally {
      await nuxt.close()
    }
  })

  it('registers the /api/_auth relay routes for httpOnly token cookies', async () => {
    const nuxt = await load({ modules: [modulePath], auth: { provider: { type: 'local', token: { httpOnlyCookieAttribute: true } } } })
    try {
      const routes = nuxt.options.serverHandlers.filter(handler => handler.route?.startsWith('/api/_auth')).map(handler => `${handler.method} ${handler.route}`)
      expect(routes.sort()).toEqual(['get /api/_auth/session', 'post /api/_auth/signin', 'post /api/_auth/signout', 'post /api/_auth/signup'])
    }
    finally {
      await nuxt.close()
    }
  })

  it('registers the refresh route with refresh tokens, except for a static site; Nitro bundles the templates it imports', async () => {
    const refresh = { type: 'local', refresh: { isEnabled: true } }
    const served = await load({ modules: [modulePath], auth: { provider: refresh } })
    try {
      const routes = served.options.serverHandlers.filter(handler => handler.route?.startsWith('/api/_auth')).map(handler => `${handler.method} ${handler.route}`)
      expect(routes).toEqual(['post /api/_auth/refresh'])
      // In development Nitro leaves the build directory to Node, which cannot load the provider's TypeScript.
      const inline = served.options.nitro.externals?.inline ?? []
      expect(inline).toContain(served.options.alias['#auth-provider'])
      expect(inline).toContain(served.options.alias['#gatekeeper-config'])
    }
    finally {
      await served.close()
    }
    const generated = await load({ modules: [modulePath], auth: { provider: refresh }, nitro: { static: true } })
    try {
      expect(generated.options.serverHandlers.filter(handler => handler.route?.startsWith('/api/_auth'))).toEqual([])
    }
    finally {
      await generated.close()
    }
  })

  it('gives the browser the provider\'s backend refresh only where no server rotates the tokens for it', async () => {
    const refresh = { type: 'local', refresh: { isEnabled: true } }
    const providerModule = async (nuxt: Nuxt) => {
      const template = nuxt.options.build.templates.find(entry => entry.filename === 'gatekeeper/provider.mjs')
      return await (template!.getContents as () => Promise<string> | string)()
    }
    const served = await load({ modules: [modulePath], auth: { provider: refresh } })
    try {
      const source = await providerModule(served)
      // The server's strategy, with the backend refresh; the browser's, without it, refreshing through the route.
      expect(source).toMatch(/import strategy from "[^"]*providers\/refresh\/client"/)
      expect(source).toMatch(/import strategyWithoutRefresh from "[^"]*providers\/refresh\/client-without-refresh"/)
      expect(source).toContain('export const browserStrategy = withRelayedRefresh(strategyWithoutRefresh)')
    }
    finally {
      await served.close()
    }
    const generated = await load({ modules: [modulePath], auth: { provider: refresh }, nitro: { static: true } })
    try {
      const source = await providerModule(generated)
      // No server: the browser calls the backend's refresh endpoint itself.
      expect(source).not.toContain('client-without-refresh')
      expect(source).toContain('export const browserStrategy = strategy')
    }
    finally {
      await generated.close()
    }
  })

  it.each([
    ['httpOnly token cookies', { provider: { type: 'local', token: { httpOnlyCookieAttribute: true } } }, 'auth.provider.token.httpOnlyCookieAttribute'],
    ['Auth.js', { provider: { type: 'authjs' } }, 'auth.provider.type'],
    // The browser asks Auth.js on the page's own origin, whatever the base URL's: there is no server there.
    ['Auth.js under a full base URL', { baseURL: 'https://auth.example.com/api/auth', provider: { type: 'authjs' } }, 'auth.provider.type'],
    ['forwarding routes', { provider: { type: 'local' }, forward: { '/api/shop': 'https://shop.example.com/v1' } }, 'auth.forward'],
  ])('a generated site with %s fails the build: it needs a server', async (_label, auth, key) => {
    const failure = await load({ modules: [modulePath], auth, nitro: { static: true } }).then(() => null, (error: unknown) => error as Error)
    expect(failure?.message).toContain(key)
    expect(failure?.message).toContain('generated site')
    expect(failure?.message).toContain('Fix: ')
  })

  it('runtimeConfig.auth.forward fails the build: forwarding routes are registered from auth.forward', async () => {
    const failure = await load({ modules: [modulePath], auth: { provider: { type: 'local' } }, runtimeConfig: { auth: { forward: { '/api/shop': 'https://shop.example.com/v1' } } } }).then(() => null, (error: unknown) => error as Error)
    expect(failure?.message).toContain('runtimeConfig.auth.forward')
    expect(failure?.message).toContain('move it to auth.forward')
  })

  it.each([
    ['a list replaces the built one', { relayHeaders: ['x-tenant'], jwtVerification: { audience: ['api'] } }, { relayHeaders: ['x-tenant'], audience: ['api'] }],
    ['an empty list empties it', { relayHeaders: [] }, { relayHeaders: [], audience: ['built'] }],
  ])('runtimeConfig.auth in nuxt.config overrides the server settings as NUXT_AUTH_* would: %s', async (_label, runtimeAuth, expected) => {
    const nuxt = await load({ modules: [modulePath], auth: { provider: { type: 'local' }, relayHeaders: ['accept-language', 'x-locale'], jwtVerification: { secret: 'a-secret-of-thirty-two-characters!', audience: ['built'] } }, runtimeConfig: { auth: runtimeAuth } })
    try {
      const template = nuxt.options.build.templates.find(entry => entry.filename === 'gatekeeper/server-config.mjs')
      const server = JSON.parse((await (template!.getContents as () => Promise<string> | string)()).replace(/^export default /, ''))
      expect({ relayHeaders: server.relayHeaders, audience: server.jwtVerification.audience }).toEqual(expected)
      expect(server.jwtVerification.secret).toBe('a-secret-of-thirty-two-characters!')
    }
    finally {
      await nuxt.close()
    }
  })

  it.each([true, false])('runs the guard on every navigation (globalAppMiddleware: %s), under its own name; pages list it as gatekeeper-auth, auth or the incumbent\'s sidebase-auth', async (globalAppMiddleware) => {
    // With the global guard off, `auth` page meta still protects (the incumbent adds its middleware to such pages).
    const nuxt = await load({ modules: [modulePath], auth: { globalAppMiddleware, provider: { type: 'local' } } })
    try {
      // An app's own global middleware: the one that tells the guard a navigation began goes before it.
      const app = { middleware: [{ name: 'app-setup', path: '/app/middleware/setup.global.ts', global: true }] as Array<{ name: string, path: string, global?: boolean }> }
      await nuxt.callHook('app:resolve', app as never)
      expect(app.middleware[0]).toMatchObject({ name: 'gatekeeper-navigation-start', global: true })
      const ours = app.middleware.filter(entry => ['gatekeeper-global-guard', 'gatekeeper-auth', 'auth', 'sidebase-auth'].includes(entry.name))
      expect(ours.map(entry => [entry.name, Boolean(entry.global)])).toEqual([['gatekeeper-global-guard', true], ['gatekeeper-auth', false], ['auth', false], ['sidebase-auth', false]])
      // The names Nuxt imports lazily go through a file of their own, so the guard is only ever imported up front.
      expect(ours.map(entry => entry.path.replace(/\.[cm]?[jt]s$/, '').split('/').slice(-2).join('/'))).toEqual(['middleware/auth', 'middleware/by-name', 'middleware/by-name', 'middleware/by-name'])
    }
    finally {
      await nuxt.close()
    }
  })

  it('tells the guard which of its names an app\'s own middleware took (Nuxt keeps the app\'s): pages listing those are not left to it', async () => {
    const config = async (nuxt: Awaited<ReturnType<typeof load>>) => {
      const template = nuxt.options.build.templates.find(entry => entry.filename === 'gatekeeper/config.mjs')
      return JSON.parse((await (template!.getContents as () => Promise<string> | string)()).replace(/^export default /, ''))
    }
    const nuxt = await load({ modules: [modulePath], auth: { globalAppMiddleware: false, provider: { type: 'local' } } })
    try {
      const own = { name: 'auth', path: '/app/middleware/auth.ts' }
      const app = { middleware: [own] as Array<{ name: string, path: string, global?: boolean }> }
      await nuxt.callHook('app:resolve', app as never)
      expect(app.middleware.filter(entry => entry.name === 'auth')).toEqual([own])
      expect((await config(nuxt)).appMiddlewareNames).toEqual(['auth'])
      // Without one, nothing is added to what the browser loads.
      await nuxt.callHook('app:resolve', { middleware: [] } as never)
      expect(await config(nuxt)).not.toHaveProperty('appMiddlewareNames')
    }
    finally {
      await nuxt.close()
    }
  })

  it('generates SessionData from session.dataType, optional fields (`name?`) included', async () => {
    const nuxt = await load({ modules: [modulePath], auth: { provider: { type: 'local', session: { dataType: { 'id': 'string', 'name?': 'string', 'profile': { 'age?': 'number' } } } } } })
    try {
      const template = nuxt.options.build.templates.find(entry => entry.filename === 'types/gatekeeper-session-data.d.ts')
      const source = await (template!.getContents as () => Promise<string> | string)()
      expect(source.replace(/\s+/g, ' ')).toBe('declare module "#auth" { interface SessionData { id: string name?: string profile: { age?: number } } } export {} ')
    }
    finally {
      await nuxt.close()
    }
  })

  it.each([
    ['local, no Pinia', [modulePath], { provider: { type: 'local' } }, { tokens: 'app/tokens', refresher: 'null', lock: 'task => task()', store: 'plainAuthStore as authStore' }],
    ['refresh with a server, @pinia/nuxt', ['@pinia/nuxt', modulePath], { provider: { type: 'local', refresh: { isEnabled: true } } }, { tokens: 'app/tokens', refresher: 'refresher', lock: 'export { withTokenLock }', store: 'authPiniaStore' }],
    ['refresh, httpOnly cookies', [modulePath], { provider: { type: 'local', token: { httpOnlyCookieAttribute: true }, refresh: { isEnabled: true, token: { httpOnlyCookieAttribute: true } } } }, { tokens: 'app/tokens', refresher: 'import.meta.server ? refresher : null', lock: 'task => task()', store: 'plainAuthStore as authStore' }],
    // Auth.js keeps its session in cookies of its own: no token store, no refresher, no lock.
    ['authjs', [modulePath], { provider: { type: 'authjs' } }, { tokens: 'app/no-tokens', refresher: 'null', lock: 'task => task()', store: 'plainAuthStore as authStore' }],
  ])('generates only the app-layer features the configuration needs (%s)', async (_name, modules, auth, wanted) => {
    const nuxt = await load({ modules, auth })
    try {
      const template = nuxt.options.build.templates.find(entry => entry.filename === 'gatekeeper/features.mjs')
      const source = await (template!.getContents as () => Promise<string> | string)()
      expect(source).toMatch(new RegExp(`export \\{ createAppTokens \\} from ".*/${wanted.tokens}"`))
      expect(source).toContain(`export const createRefresher = ${wanted.refresher}`)
      expect(source).toContain(wanted.lock)
      expect(source).toContain(wanted.store)
      // What is not configured is not even imported, so the bundler has nothing to drop.
      if (wanted.tokens === 'app/no-tokens') expect(source).not.toContain('app/tokens"')
      if (wanted.refresher === 'null') expect(source).not.toContain('app/refresher')
      if (wanted.store !== 'authPiniaStore') expect(source).not.toContain('app/store')
    }
    finally {
      await nuxt.close()
    }
  })

  it('a sessionRefresh.handler that does not exist fails naming the option', async () => {
    const failure = await load({ modules: [modulePath], auth: { sessionRefresh: { handler: './nope/handler.ts' } } }).then(() => null, (error: unknown) => error as Error)
    expect(failure?.message).toContain('auth.sessionRefresh.handler')
    expect(failure?.message).toContain('does not exist')
  })

  it('keeps what an app put into runtimeConfig.public.auth itself (Nitro applies the environment to it)', async () => {
    const nuxt = await load({ modules: [modulePath], runtimeConfig: { public: { auth: { baseURL: 'https://api.example.com/auth' } } }, auth: { provider: { type: 'local' } } })
    try {
      expect(nuxt.options.runtimeConfig.public.auth).toEqual({ baseURL: 'https://api.example.com/auth' })
    }
    finally {
      await nuxt.close()
    }
  })

  it('adds nothing when isEnabled is false', async () => {
    const nuxt = await load({ modules: [modulePath], auth: { isEnabled: false } })
    try {
      expect(nuxt.options.runtimeConfig.public.auth).toBeUndefined()
      expect(nuxt.options.plugins.some(plugin => String(typeof plugin === 'string' ? plugin : plugin.src).includes('gatekeeper'))).toBe(false)
      expect(installedNames(nuxt)).not.toContain('pinia')
    }
    finally {
      await nuxt.close()
    }
  })

  it('exports the server utilities every provider shares from #auth, session mode\'s included', async () => {
    const authjsConfig = fileURLToPath(new URL('../fixtures/authjs/server/auth.config', import.meta.url))
    const setUps = {
      local: { type: 'local' },
      refresh: { type: 'local', refresh: { isEnabled: true } },
      authjs: { type: 'authjs', configFile: authjsConfig },
    }
    const exported: Record<string, string[]> = {}
    for (const [name, provider] of Object.entries(setUps)) {
      const nuxt = await load({ modules: [modulePath], auth: { provider } })
      try {
        const template = nuxt.options.build.templates.find(entry => entry.filename === 'gatekeeper/auth-server.mjs')
        const source = await (template!.getContents as () => Promise<string> | string)()
        exported[name] = [...source.matchAll(/export \{ (\w+) \}/g)].map(match => match[1]!).sort()
      }
      finally {
        await nuxt.close()
      }
    }
    // Besides these, the token providers have getServerToken, Auth.js NuxtAuthHandler and getToken (as the incumbent).
    const everyProvider = ['allows', 'authorize', 'currentSessionId', 'getServerSession', 'listUserSessions', 'requireServerSession', 'revokeSession', 'revokeUserSessions']
    for (const names of Object.values(exported)) expect(names).toEqual(expect.arrayContaining(everyProvider))
    expect(exported.local).toContain('getServerToken')
    expect(exported.authjs).toEqual(expect.arrayContaining(['NuxtAuthHandler', 'getToken']))
  })

  it('authjs: serves Auth.js at {baseURL}/** when the config file exists, with server-only settings', async () => {
    const configFile = fileURLToPath(new URL('../fixtures/authjs/server/auth.config', import.meta.url))
    const withFile = await load({ modules: [modulePath], auth: { baseURL: '/api/auth/', provider: { type: 'authjs', configFile } } })
    try {
      expect(withFile.options.runtimeConfig.auth).toMatchObject({ secret: '', provider: { trustHost: false, basePath: '/api/auth' } })
      expect(withFile.options.serverHandlers.filter(handler => handler.route === '/api/auth/**')).toHaveLength(1)
      expect(withFile.options.alias['#auth-config']).toMatch(/fixtures\/authjs\/server\/auth\.config\.ts$/)
    }
    finally {
      await withFile.close()
    }
    // Without the file the app brings its own handler (NuxtAuthHandler): the module registers none.
    const withoutFile = await load({ modules: [modulePath], auth: { provider: { type: 'authjs' } } })
    try {
      expect(withoutFile.options.serverHandlers.filter(handler => handler.route?.startsWith('/api/auth'))).toEqual([])
    }
    finally {
      await withoutFile.close()
    }
  })
})
