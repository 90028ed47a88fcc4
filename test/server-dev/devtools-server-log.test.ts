import { getContext } from 'unctx'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { DevLogEntries } from '../../src/runtime/app/devtools/log'

// The DevTools tab's log of a server render (development only): each signal goes to the log of the request whose
// NuxtApp is current. Nuxt (its async context off, the default) knows the NuxtApp only in the synchronous part of
// `runWithContext`, as here: a decision made after an await must be reported in the app's context again.
const nuxtAppContext = getContext<unknown>('nuxt-app')
vi.mock('#imports', () => ({
  tryUseNuxtApp: () => nuxtAppContext.tryUse() ?? null,
  useRouter: () => ({ currentRoute: { value: undefined }, afterEach() {}, onError() {} }),
  navigateTo: () => {},
  showError: () => {},
  createError: (input: Record<string, unknown>) => Object.assign(new Error(String(input.statusMessage)), input),
}))
const { DEVTOOLS_PAYLOAD_KEY, setupDevtools } = await import('../../src/runtime/app/devtools/plugin')
const { setDevSink } = await import('../../src/runtime/app/devtools/record')
const { createNavigation } = await import('../../src/runtime/app/navigation')
const { createRefresher } = await import('../../src/runtime/app/refresher')
const { createIssuerClock, initialMachineState, jwtExpiry, transition } = await import('../../src/runtime/core')
const { createTokenStore } = await import('../../src/runtime/shared/token-store')

/** A server render's NuxtApp, as much as the DevTools plugin and navigation use; runWithContext as Nuxt's on the server. */
function render() {
  const rendered: Array<() => void> = []
  const nuxtApp = {
    payload: {} as Record<string, unknown>,
    ssrContext: {},
    $config: { app: { baseURL: '/' } },
    hook: () => () => {},
    hooks: { hook: (name: string, run: () => void) => void (name === 'app:rendered' && rendered.push(run)) },
    runWithContext: <T>(run: () => T) => nuxtAppContext.callAsync(nuxtApp, run as never),
  }
  setupDevtools(nuxtApp as never, { provider: 'local', sessions: false })
  return {
    nuxtApp,
    entries: (): DevLogEntries => {
      rendered.forEach(run => run())
      return nuxtApp.payload[DEVTOOLS_PAYLOAD_KEY] as DevLogEntries
    },
  }
}

afterEach(() => setDevSink(undefined))

describe('the DevTools log of a server render', () => {
  it('has the page\'s "forbidden" decision, which the roles check makes after an await', async () => {
    const { nuxtApp, entries } = render()
    const config = {
      pages: { login: '/login', redirectQueryKey: 'redirect' },
      globalAppMiddleware: { isEnabled: true, allow404WithoutAuth: true, addDefaultCallbackUrl: true },
      navigateAuthenticatedTo: '/',
      allowedRedirectOrigins: [],
      authorization: { forbiddenPage: null },
    }
    const store = { status: 'authenticated', data: { roles: ['user'] }, machine: { checkFailed: false } }
    const tokens = { kept: true, readable: true, token: () => 'token', refreshToken: () => null }
    const navigation = createNavigation({ nuxtApp: nuxtApp as never, config: config as never, store: store as never, tokens: tokens as never })
    const route = { path: '/admin', fullPath: '/admin', params: {}, meta: { auth: { roles: ['admin'] } }, matched: [{}], query: {} }
    // The route middleware, as Nuxt runs it: in the app's context.
    const target = await nuxtApp.runWithContext(() => navigation.accessTarget(route as never))
    expect(target).toMatchObject({ statusCode: 403 })
    expect(entries().guard.map(entry => [entry.route, entry.verdict])).toContainEqual(['/admin', 'forbidden'])
  })

  it('has the refresh the server makes after an await (the session endpoint\'s 401, then the refresh)', async () => {
    const { nuxtApp, entries } = render()
    const jar = new Map<string, string>([['auth.token', 'old-token'], ['auth.refresh-token', 'refresh-1']])
    const tokenStore = createTokenStore({ read: name => jar.get(name) ?? null, write: (cookie, value) => void (value === null ? jar.delete(cookie.name) : jar.set(cookie.name, value)) }, {
      token: { cookie: { name: 'auth.token', maxAge: 1800, sameSite: 'lax', secure: false, httpOnly: false, domain: '' }, headerName: 'Authorization', type: 'Bearer' },
      refreshToken: { cookie: { name: 'auth.refresh-token', maxAge: 86_400, sameSite: 'lax', secure: false, httpOnly: false, domain: '' } },
    } as never)
    const tokens = { ...tokenStore, readable: true, kept: true, views: () => ({}), sync: () => {}, matchServerRender: () => {}, seen: () => ({ token: true, refreshToken: true }), expiryOf: jwtExpiry, dispose: () => {} }
    const store = { machine: { ...initialMachineState, phase: 'authenticated' as const }, data: {}, lastRefreshedAt: undefined as Date | undefined, dispatch(event: never) {
      store.machine = transition(store.machine, event) as typeof store.machine
    } }
    const strategy = { refresh: async () => ({ token: 'new-token', refreshToken: 'refresh-2' }) }
    const refresher = createRefresher({
      strategy: strategy as never,
      context: { refreshToken: () => tokens.refreshToken() } as never,
      store: store as never,
      tokens: tokens as never,
      clock: createIssuerClock(),
      skewSeconds: 30,
      report: async error => error as never,
      signOut: async () => false,
      onRefreshed: async () => {},
      inAppContext: run => void nuxtApp.runWithContext(run),
    })
    // The session check, in the render's context: its request answers 401 (an await), then the refresh.
    await nuxtApp.runWithContext(async () => {
      await Promise.resolve()
      await refresher.refresh({ rejected: 'old-token' })
    })
    expect(jar.get('auth.refresh-token')).toBe('refresh-2')
    expect(entries().refreshes.map(entry => entry.outcome)).toEqual(['refreshed'])
  })
})
