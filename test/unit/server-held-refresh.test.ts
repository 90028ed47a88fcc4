import { describe, expect, it } from 'vitest'
import { AuthError, isAuthError, type ClientStrategy, type TokenResult } from '../../src/runtime/core'
import { createServerHeldRefresh, type ServerHeldRefreshDeps } from '../../src/runtime/app/server-held-refresh'
import { createAuthState, initialAuthState } from '../../src/runtime/app/state'

// An explicit refresh() where the page cannot reach the refresh token (httpOnly cookies, session mode): the
// relay route spends it. The strategy here stands for that route; the browser tests run the real one.
function setUp(answer: () => Promise<TokenResult>) {
  const store = createAuthState(initialAuthState())
  store.dispatch({ type: 'SIGNED_IN' })
  let requests = 0
  let renewals = 0
  const activities: Array<string | null> = []
  const reported: string[] = []
  const strategy = {
    refresh: async () => {
      requests += 1
      activities.push(store.machine.activity)
      return await answer()
    },
  } as unknown as ClientStrategy<unknown>
  const parts = {
    store,
    strategy,
    context: () => ({}),
    report: async (error: unknown, operation: string) => {
      reported.push(operation)
      return isAuthError(error) ? error : new AuthError('BAD_RESPONSE', 'unexpected', { cause: error })
    },
  } as unknown as ServerHeldRefreshDeps['parts']
  const held = createServerHeldRefresh({ parts, onRefreshed: async () => {
    renewals += 1
  } })
  // The session check that follows (the manager passes getSession): counted, answering with a session.
  let checks = 0
  const checkSession = async () => {
    checks += 1
    return { user: 'u1' }
  }
  return { held, store, activities, reported, checkSession, requests: () => requests, renewals: () => renewals, checks: () => checks }
}

describe('createServerHeldRefresh', () => {
  it('settled() resolves only once the refresh in flight has landed, whatever its outcome (a sign-out waits on it)', async () => {
    let release!: () => void
    const { held, checkSession, checks, renewals } = setUp(() => new Promise(resolve => (release = () => resolve({ stored: true }))))
    // Nothing in flight: nothing to wait for.
    expect(held.settled()).toBeUndefined()
    const call = held.refresh(checkSession)
    let done = false
    const waiting = held.settled()!.then(() => {
      done = true
    })
    await new Promise(resolve => setTimeout(resolve, 10))
    expect(done).toBe(false)
    release()
    await waiting
    // Landed: its rotated tokens are the session's now (the session check after it may still be on its way).
    expect(renewals()).toBe(1)
    await call
    expect(checks()).toBe(1)
    // A failed refresh settles too.
    const failing = setUp(async () => {
      throw new AuthError('SERVER', 'down', { status: 503 })
    })
    const failed = failing.held.refresh(failing.checkSession).catch(() => 'failed')
    await failing.held.settled()
    expect(await failed).toBe('failed')
  })

  it('concurrent callers share one request, then each resolves with the session check; the state shows the refresh and ends settled', async () => {
    let release!: () => void
    const { held, store, activities, checkSession, requests, renewals, checks } = setUp(() => new Promise(resolve => (release = () => resolve({ stored: true }))))
    const calls = [held.refresh(checkSession), held.refresh(checkSession), held.refresh(checkSession)]
    // Let the first call reach the strategy.
    await Promise.resolve()
    expect(requests()).toBe(1)
    expect(activities).toEqual(['refreshing'])
    expect(store.lastRefreshedAt).toBeUndefined()
    expect(checks()).toBe(0)
    release()
    expect(await Promise.all(calls)).toEqual([{ user: 'u1' }, { user: 'u1' }, { user: 'u1' }])
    expect(renewals()).toBe(1)
    expect(store.machine).toMatchObject({ phase: 'authenticated', activity: null, error: null })
    expect(store.lastRefreshedAt).toBeInstanceOf(Date)
    // The next call is a new request.
    const next = held.refresh(checkSession)
    await Promise.resolve()
    expect(requests()).toBe(2)
    release()
    await next
  })

  it('a refused refresh token: the session check still runs and gives the verdict, then the AuthError is thrown; no error state, no renewal', async () => {
    const { held, store, reported, renewals, checkSession, checks } = setUp(async () => {
      throw new AuthError('REFRESH_REFUSED', 'refused', { status: 401 })
    })
    await expect(held.refresh(checkSession)).rejects.toMatchObject({ code: 'REFRESH_REFUSED' })
    expect(checks()).toBe(1)
    expect(reported).toEqual(['refresh'])
    expect(renewals()).toBe(0)
    expect(store.machine).toMatchObject({ phase: 'authenticated', activity: null, error: null })
    expect(store.lastRefreshedAt).toBeUndefined()
  })

  it('a network failure keeps the session and records its code, as the refresher does; no session check', async () => {
    const { held, store, checkSession, checks } = setUp(async () => {
      throw new AuthError('NETWORK', 'offline')
    })
    await expect(held.refresh(checkSession)).rejects.toMatchObject({ code: 'NETWORK' })
    expect(checks()).toBe(0)
    expect(store.machine).toMatchObject({ phase: 'authenticated', activity: null, error: 'NETWORK' })
  })
})
