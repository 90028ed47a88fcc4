import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick, reactive } from 'vue'
import { createIssuerClock, defineAbility, initialMachineState, transition, type AuthEvent, type AuthMachineState } from '../../src/runtime/core'
import type { PublicAuthConfig } from '../../src/runtime/core/config'
import { scheduleChecks } from '../../src/runtime/app/scheduling'

// The Nuxt parts navigation.ts takes from '#imports', recorded: where the guard sends the user, and the errors shown.
const nuxt = vi.hoisted(() => ({ route: undefined as unknown, navigateTo: [] as unknown[][], showError: [] as Array<Record<string, unknown>> }))
vi.mock('#imports', () => ({
  useRouter: () => ({ currentRoute: { get value() { return nuxt.route } }, afterEach() {}, onError() {} }),
  navigateTo: (...args: unknown[]) => void nuxt.navigateTo.push(args),
  showError: (error: Record<string, unknown>) => void nuxt.showError.push(error),
  createError: (input: Record<string, unknown>) => Object.assign(new Error(String(input.message ?? input.statusMessage)), input),
}))
const { createNavigation } = await import('../../src/runtime/app/navigation')

const route = (path: string, auth: unknown) => ({ path, fullPath: path, params: { id: '7' }, meta: { auth }, matched: [{}], query: {} })

function navigation({ session = { id: 1 } as unknown, status = 'authenticated', login = '/login', baseURL = '/', errorShown = false } = {}) {
  const config = {
    pages: { login, redirectQueryKey: 'redirect' },
    globalAppMiddleware: { isEnabled: true, allow404WithoutAuth: true, addDefaultCallbackUrl: true },
    navigateAuthenticatedTo: '/',
    allowedRedirectOrigins: ['https://accounts.example'],
    authorization: { forbiddenPage: null },
  }
  const store = { status, data: session, machine: { checkFailed: false } }
  const tokens = { kept: true, readable: true, token: () => (status === 'authenticated' ? 'token' : null), refreshToken: () => null }
  const nuxtApp = { $config: { app: { baseURL } }, payload: { error: errorShown ? { statusCode: 403 } : undefined }, runWithContext: (run: () => unknown) => run() }
  return createNavigation({ nuxtApp: nuxtApp as never, config: config as never, store: store as never, tokens: tokens as never })
}

beforeEach(() => {
  nuxt.navigateTo.length = 0
  nuxt.showError.length = 0
  vi.stubGlobal('window', { location: { origin: 'https://app.example' } })
})
afterEach(() => {
  vi.unstubAllGlobals()
})

// As the docs write abilities: this one reads a field some sessions lack.
const ownsTeam = defineAbility((session: { team: { id: number } }, page: { params: { id: string } }) => String(session.team.id) === page.params.id)

describe('the page\'s ability when the guard applies it after a verdict (outside a navigation)', () => {
  it('answering false: the 403', async () => {
    nuxt.route = route('/teams/7', { can: ownsTeam })
    await navigation({ session: { team: { id: 8 } } }).enforceGuard()
    expect(nuxt.showError.map(error => error.statusCode)).toEqual([403])
  })

  it('throwing: a fatal 500 replaces the page, as a throwing middleware gets in a navigation; nothing rejects', async () => {
    nuxt.route = route('/teams/7', { can: ownsTeam })
    // A session without `team`: the ability throws a TypeError.
    await expect(navigation({ session: { id: 1 } }).enforceGuard()).resolves.toBeUndefined()
    expect(nuxt.showError.map(error => ({ statusCode: error.statusCode, fatal: error.fatal, cause: (error.cause as Error)?.name }))).toEqual([{ statusCode: 500, fatal: true, cause: 'TypeError' }])
    expect(nuxt.navigateTo).toEqual([])
  })

  it('throwing, during a navigation: the middleware gets the same 500 to return', async () => {
    const target = await navigation({ session: { id: 1 } }).accessTarget(route('/teams/7', { can: ownsTeam }))
    expect(target).toMatchObject({ statusCode: 500 })
  })
})

describe('a page whose visitors sign in on another site (page meta), in an app under app.baseURL', () => {
  it('gets the page\'s document path to come back to, as pages.login on another site does', () => {
    const signedOut = { session: null, status: 'unauthenticated', baseURL: '/shop/' }
    const viaMeta = navigation(signedOut).guardTarget(route('/orders', { navigateUnauthenticatedTo: 'https://accounts.example/login' }))
    const viaConfig = navigation({ ...signedOut, login: 'https://accounts.example/login' }).guardTarget(route('/orders', true))
    expect({ viaMeta, viaConfig }).toEqual({
      viaMeta: 'https://accounts.example/login?redirect=%2Fshop%2Forders',
      viaConfig: 'https://accounts.example/login?redirect=%2Fshop%2Forders',
    })
  })

  it('an in-app login page in page meta keeps the router path', () => {
    const target = navigation({ session: null, status: 'unauthenticated', baseURL: '/shop/' }).guardTarget(route('/orders', { navigateUnauthenticatedTo: '/welcome' }))
    expect(target).toBe('/welcome?redirect=%2Forders')
  })
})

describe('the page\'s access again after a check that changed the session of the user still signed in', () => {
  function scheduled() {
    const store = reactive({
      machine: { ...initialMachineState, phase: 'authenticated' } as AuthMachineState,
      data: { id: 1, roles: ['admin'] } as unknown,
      dispatch(event: AuthEvent) {
        store.machine = transition(store.machine, event)
      },
    })
    const runs = { guard: 0, access: 0 }
    const sessionRefresh: PublicAuthConfig['sessionRefresh'] = { enablePeriodically: false, enableOnWindowFocus: false, skewSeconds: 30, customHandler: false }
    const tokens = { token: () => null, refreshToken: () => null, expiryOf: () => null, sync: () => {} }
    const stop = scheduleChecks({
      tokens: tokens as never,
      refresher: null,
      session: { getSession: async () => null, lastFailure: () => null },
      store: store as never,
      clock: createIssuerClock(),
      sessionRefresh,
      enforceGuard: async () => void (runs.guard += 1),
      enforceAccess: async () => void (runs.access += 1),
      loadSignIn: async () => ({}),
    })
    return { store, runs, stop }
  }

  beforeEach(() => {
    vi.stubGlobal('document', Object.assign(new EventTarget(), { visibilityState: 'visible' }))
  })

  it('a focus, periodic or asked-for check (same epoch) that changed it: the page\'s roles and ability once, not the whole guard', async () => {
    const { store, runs, stop } = scheduled()
    store.data = { id: 1, roles: [] }
    await nextTick()
    expect(runs).toEqual({ guard: 0, access: 1 })
    stop()
  })

  it('a sign-in while signed in (a new epoch) is left to its caller', async () => {
    const { store, runs, stop } = scheduled()
    store.dispatch({ type: 'SIGNED_IN' } as AuthEvent)
    store.data = { id: 2, roles: [] }
    await nextTick()
    expect({ stillSignedIn: store.machine.phase, runs }).toEqual({ stillSignedIn: 'authenticated', runs: { guard: 0, access: 0 } })
    stop()
  })

  it('nothing once stopped', async () => {
    const { store, runs, stop } = scheduled()
    stop()
    store.data = { id: 1, roles: [] }
    await nextTick()
    expect(runs).toEqual({ guard: 0, access: 0 })
  })
})

describe('enforceAccess', () => {
  it('denies a page whose roles the session lost (the 403), and leaves a guest page the user signed in on (no navigation)', async () => {
    nuxt.route = route('/admin', { roles: ['admin'] })
    await navigation({ session: { id: 1, roles: [] } }).enforceAccess()
    expect(nuxt.showError.map(error => error.statusCode)).toEqual([403])
    nuxt.showError.length = 0
    // signIn(…, { redirect: false }) on the login page: a later check changes the session; the user stays.
    nuxt.route = route('/login', 'guest')
    await navigation({ session: { id: 1 } }).enforceAccess()
    expect({ errors: nuxt.showError, navigations: nuxt.navigateTo }).toEqual({ errors: [], navigations: [] })
  })

  it('shows no error over one already shown (at every later check)', async () => {
    nuxt.route = route('/admin', { roles: ['admin'] })
    await navigation({ session: { id: 1, roles: [] }, errorShown: true }).enforceAccess()
    expect(nuxt.showError).toEqual([])
  })
})
