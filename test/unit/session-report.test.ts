// A failure reaches the app's `auth:error` hook. App code there may throw (an error tracker not set up yet, a bug):
// the failure must still be handled as without the hook. A check whose report threw reached no verdict and no
// failure, and the guard, waiting for one, let a forged or expired token onto a protected page.
import { describe, expect, it, vi } from 'vitest'
import { shallowRef } from 'vue'
import { AuthError, createIssuerClock, decideGuard, initialMachineState, jwtExpiry, statusOf, transition, type AuthEvent, type ClientStrategy, type StrategyContext } from '../../src/runtime/core'
import { createRefresher } from '../../src/runtime/app/refresher'
import { createReporter, createSession } from '../../src/runtime/app/session'
import type { AppTokens } from '../../src/runtime/app/tokens'
import { createTokenStore, type CookieJar } from '../../src/runtime/shared/token-store'

vi.mock('../../src/runtime/app/tabs/lock', () => ({ withTokenLock: async <T>(task: () => Promise<T>) => await task() }))

const cookie = (name: string) => ({ name, maxAge: 600, sameSite: 'lax' as const, secure: false, httpOnly: false })

function appTokens(withRefreshToken = false): AppTokens {
  const jar = new Map<string, string>()
  const memoryJar: CookieJar = { read: name => jar.get(name) ?? null, write: (c, value) => (value === null ? jar.delete(c.name) : jar.set(c.name, value)) }
  const refreshToken = withRefreshToken ? { cookie: cookie('r'), headerName: '', type: '', maxAgeInSeconds: 600 } : null
  const store = createTokenStore(memoryJar, { token: { cookie: cookie('t'), headerName: 'Authorization', type: 'Bearer', maxAgeInSeconds: 600 }, refreshToken })
  const views = { token: shallowRef<string | null>(null), refreshToken: shallowRef<string | null>(null) }
  const sync = () => {
    views.token.value = store.token()
  }
  return {
    ...store,
    write: (written) => {
      store.write(written)
      sync()
    },
    clear: () => {
      store.clear()
      sync()
    },
    readable: true, kept: true, views: () => views, sync, matchServerRender: () => {}, seen: () => ({ token: true, refreshToken: false }), expiryOf: jwtExpiry, dispose: () => {},
  }
}

describe('a throwing auth:error hook', () => {
  it.each([
    ['401: the token is refused', new AuthError('UNAUTHORIZED', 'Unauthorized', { status: 401 }), 'unauthenticated', false],
    ['503: the backend is down', new AuthError('SERVER', 'Down', { status: 503 }), 'unknown', true],
  ])('the first check still ends with the verdict or the failure (%s), and the guard does not let the page through', async (_label, answer, phase, checkFailed) => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const tokens = appTokens()
    tokens.write({ token: 'forged-or-expired' })
    const store = {
      machine: { ...initialMachineState },
      data: undefined as unknown,
      lastRefreshedAt: undefined as Date | undefined,
      dispatch(event: AuthEvent) { store.machine = transition(store.machine, event) as typeof store.machine },
      get status() { return statusOf(store.machine) },
    }
    const strategy = { getSession: () => Promise.reject(answer) } as unknown as ClientStrategy<unknown>
    const nuxtApp = { callHook: async (name: string) => {
      if (name === 'auth:error') throw new TypeError('the error tracker is not ready')
    } }
    const session = createSession({
      parts: { nuxtApp, store, tokens, strategy, context: () => ({}), navigation: { enforceGuard: async () => {} }, tabs: { post: () => {} }, report: createReporter(nuxtApp as never) } as never,
      refresher: () => null,
      requestTimeout: 10_000,
    })
    await session.ensureChecked()
    expect(store.machine.phase).toBe(phase)
    expect(store.machine.checkFailed).toBe(checkFailed)
    expect(store.machine.activity).toBeNull()
    const decision = decideGuard({ meta: true, protectByDefault: false, status: store.status, hasToken: tokens.token() !== null, checkFailed: store.machine.checkFailed, isLoginPage: false, isNotFound: false, allow404WithoutAuth: true })
    expect(decision.action).not.toBe('wait')
    expect(decision.action).not.toBe('allow')
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('auth:error hook threw'), expect.any(TypeError))
    logged.mockRestore()
  })
})

describe('a refresh that fails inside a session check (after the session endpoint\'s 401)', () => {
  it.each([
    // The refresher reports its failure, and the check the same failure as its own (documented in errors-and-hooks.md).
    ['NETWORK', new AuthError('NETWORK', 'offline'), ['refresh:NETWORK', 'getSession:NETWORK']],
    // A verdict: both report it, and nobody is signed in.
    ['REFRESH_REFUSED', new AuthError('REFRESH_REFUSED', 'refused', { status: 401 }), ['refresh:REFRESH_REFUSED', 'getSession:REFRESH_REFUSED']],
  ])('%s reaches auth:error as documented', async (_code, refreshError, expected) => {
    const tokens = appTokens(true)
    // Opaque: no expiry known, so nothing is refreshed before the check asks.
    tokens.write({ token: 'opaque-access', refreshToken: 'r0' })
    const store = {
      machine: { ...initialMachineState, phase: 'authenticated' as const },
      data: { id: 1 } as unknown,
      lastRefreshedAt: undefined as Date | undefined,
      dispatch(event: AuthEvent) { store.machine = transition(store.machine, event) as typeof store.machine },
      get status() { return statusOf(store.machine) },
    }
    const hooks: string[] = []
    const nuxtApp = { callHook: async (name: string, context: { error: AuthError, operation: string }) => {
      if (name === 'auth:error') hooks.push(`${context.operation}:${context.error.code}`)
    } }
    const report = createReporter(nuxtApp as never)
    const strategy = {
      getSession: () => Promise.reject(new AuthError('UNAUTHORIZED', 'Unauthorized', { status: 401 })),
      refresh: () => Promise.reject(refreshError),
      signOut: async () => {},
    } as unknown as ClientStrategy<unknown>
    const refresher = createRefresher({
      strategy, context: {} as StrategyContext<unknown>, store: store as never, tokens, clock: createIssuerClock(), skewSeconds: 30, report,
      signOut: stillValid => session.endSession('refresh-refused', { stillValid }), onRefreshed: async () => {}, inAppContext: run => run(),
    })
    const session = createSession({ parts: { nuxtApp, store, tokens, strategy, context: () => ({}), navigation: { enforceGuard: async () => {} }, tabs: { post: () => {} }, report } as never, refresher: () => refresher, requestTimeout: 10_000 })
    const outcome = await session.getSession().then(value => ({ value }), (error: AuthError) => ({ code: error.code }))
    expect(hooks).toEqual(expected)
    if (refreshError.isVerdict) {
      expect(outcome).toEqual({ value: null })
      expect(store.status).toBe('unauthenticated')
    }
    else {
      expect(outcome).toEqual({ code: 'NETWORK' })
      expect(store.machine).toMatchObject({ phase: 'authenticated', error: 'NETWORK', checkFailed: true, activity: null })
    }
  })
})
