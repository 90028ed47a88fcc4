// A failure reaches the app's `auth:error` hook. App code there may throw (an error tracker not set up yet, a bug):
// the failure must still be handled as without the hook. A check whose report threw reached no verdict and no
// failure, and the guard, waiting for one, let a forged or expired token onto a protected page.
import { describe, expect, it, vi } from 'vitest'
import { shallowRef } from 'vue'
import { AuthError, decideGuard, initialMachineState, jwtExpiry, statusOf, transition, type AuthEvent, type ClientStrategy } from '../../src/runtime/core'
import { createReporter, createSession } from '../../src/runtime/app/session'
import type { AppTokens } from '../../src/runtime/app/tokens'
import { createTokenStore, type CookieJar } from '../../src/runtime/shared/token-store'

vi.mock('../../src/runtime/app/tabs/lock', () => ({ withTokenLock: async <T>(task: () => Promise<T>) => await task() }))

const cookie = (name: string) => ({ name, maxAge: 600, sameSite: 'lax' as const, secure: false, httpOnly: false })

function appTokens(): AppTokens {
  const jar = new Map<string, string>()
  const memoryJar: CookieJar = { read: name => jar.get(name) ?? null, write: (c, value) => (value === null ? jar.delete(c.name) : jar.set(c.name, value)) }
  const store = createTokenStore(memoryJar, { token: { cookie: cookie('t'), headerName: 'Authorization', type: 'Bearer', maxAgeInSeconds: 600 }, refreshToken: null })
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
    })
    await session.ensureChecked()
    expect(store.machine.phase).toBe(phase)
    expect(store.machine.checkFailed).toBe(checkFailed)
    expect(store.machine.activity).toBeNull()
    const decision = decideGuard({ meta: true, protectByDefault: false, status: store.status, hasToken: tokens.token() !== null, checkFailed: store.machine.checkFailed, isLoginPage: false, isNotFound: false, allow404WithoutAuth: true })
    expect(decision.action).not.toBe('wait')
    expect(decision.action).not.toBe('allow')
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('an auth:error hook threw'), expect.any(TypeError))
    logged.mockRestore()
  })
})
