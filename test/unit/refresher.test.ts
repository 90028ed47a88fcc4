import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { reactive, shallowRef } from 'vue'
import { AuthError, createIssuerClock, initialMachineState, jwtExpiry, transition, type AuthEvent, type AuthMachineState, type ClientStrategy, type StrategyContext, type TokenResult } from '../../src/runtime/core'
import type { PublicAuthConfig } from '../../src/runtime/core/config'
import { createRefresher } from '../../src/runtime/app/refresher'
import { scheduleChecks } from '../../src/runtime/app/scheduling'
import type { AppTokens } from '../../src/runtime/app/tokens'
import { createTokenStore, type CookieJar } from '../../src/runtime/shared/token-store'

// One tab: its lock is the single flight (the cross-tab lock has its own tests and browser tests). The mock
// records whether the lock is held, so tests can tell what runs inside it.
const lock = vi.hoisted(() => ({ held: false, fails: false, attempts: 0, gate: null as Promise<void> | null }))
vi.mock('../../src/runtime/app/tabs/lock', () => ({
  withTokenLock: async <T>(task: () => Promise<T>) => {
    lock.attempts += 1
    // The next caller waits for `gate` (as for a lock another tab holds); the ones after it do not.
    const gate = lock.gate
    lock.gate = null
    await gate
    // The lock itself failing: its chunk (the lease lock) could not be loaded.
    if (lock.fails) throw new TypeError('Failed to fetch dynamically imported module')
    lock.held = true
    try {
      return await task()
    }
    finally {
      lock.held = false
    }
  },
}))

const cookie = (name: string) => ({ name, maxAge: 600, sameSite: 'lax' as const, secure: false, httpOnly: false })
const tokenConfig = { token: { cookie: cookie('t'), headerName: 'Authorization', type: 'Bearer', maxAgeInSeconds: 600 }, refreshToken: { cookie: cookie('r'), headerName: '', type: '', maxAgeInSeconds: 600 } }

/** The backend: tokens in its own clock (`issuerSkewMs` behind the browser), refresh calls counted. */
function backend({ ttlSeconds, issuerSkewMs = 0, withIat = true, refusals = [] }: { ttlSeconds: number, issuerSkewMs?: number, withIat?: boolean, refusals?: AuthError[] }) {
  let calls = 0
  let minted = 0
  const issuerNow = () => Date.now() - issuerSkewMs
  // Unsigned but well-formed: the refresher only decodes (the backend verifies), and synchronous minting
  // keeps fake time deterministic.
  function mint(): string {
    const now = Math.floor(issuerNow() / 1000)
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
    minted += 1
    return `${part({ alg: 'HS256' })}.${part({ sub: 'u1', jti: minted, exp: now + ttlSeconds, ...(withIat ? { iat: now } : {}) })}.signature`
  }
  const strategy = {
    refresh: async (): Promise<TokenResult> => {
      calls += 1
      // The first calls get these answers instead (a rate limit), in order.
      const refusal = refusals.shift()
      if (refusal) throw refusal
      return { token: mint(), refreshToken: `r${calls}` }
    },
  } as unknown as ClientStrategy<unknown>
  return { strategy, mint, issuerNow, calls: () => calls }
}

function appTokens(maxCookieBytes?: number): AppTokens {
  const jar = new Map<string, string>()
  const memoryJar: CookieJar = {
    maxCookieBytes,
    read: name => jar.get(name) ?? null,
    write: (c, value) => (value === null ? jar.delete(c.name) : jar.set(c.name, value)),
  }
  const store = createTokenStore(memoryJar, tokenConfig)
  const views = { token: shallowRef<string | null>(null), refreshToken: shallowRef<string | null>(null) }
  const sync = () => {
    views.token.value = store.token()
    views.refreshToken.value = store.refreshToken()
  }
  return {
    ...store,
    write: (tokens) => {
      store.write(tokens)
      sync()
    },
    clear: () => {
      store.clear()
      sync()
    },
    readable: true,
    kept: true,
    views: () => views,
    sync,
    matchServerRender: () => {},
    seen: () => ({ token: views.token.value !== null, refreshToken: views.refreshToken.value !== null }),
    expiryOf: jwtExpiry,
    dispose: () => {},
  }
}

function fakeStore() {
  const store = {
    machine: { ...initialMachineState, phase: 'authenticated' as const },
    data: {},
    lastRefreshedAt: undefined as Date | undefined,
    dispatch(event: AuthEvent) {
      store.machine = transition(store.machine, event) as typeof store.machine
    },
  }
  return store
}

/** A tab: refresher + timers, as the plugin wires them. */
async function openTab(server: ReturnType<typeof backend>, { observeServerTime = true, onSignOut = () => {}, onRefreshed = () => {}, maxCookieBytes = undefined as number | undefined } = {}) {
  const tokens = appTokens(maxCookieBytes)
  tokens.write({ token: server.mint(), refreshToken: 'r0' })
  const clock = createIssuerClock()
  // The server's render time, as the page payload carries it.
  if (observeServerTime) clock.observe(server.issuerNow())
  const store = fakeStore()
  const refresher = createRefresher({
    strategy: server.strategy,
    context: { refreshToken: () => tokens.refreshToken() } as unknown as StrategyContext<unknown>,
    store: store as never,
    tokens,
    clock,
    skewSeconds: 30,
    report: async error => error as never,
    // `onSignOut` runs as the sign-out waits for the lock; it signs out while `stillValid()` holds then.
    signOut: async (stillValid) => {
      onSignOut()
      return stillValid()
    },
    onRefreshed: async () => {
      onRefreshed()
    },
    inAppContext: run => run(),
  })
  const sessionRefresh: PublicAuthConfig['sessionRefresh'] = { enablePeriodically: false, enableOnWindowFocus: false, skewSeconds: 30, customHandler: false }
  const stop = scheduleChecks({ tokens, refresher, session: { getSession: async () => null, lastFailure: () => null }, store: store as never, clock, sessionRefresh, enforceGuard: async () => {}, enforceAccess: async () => {}, loadSignIn: async () => ({}) })
  return { tokens, refresher, store, clock, stop }
}

/** Lets fake time pass in small steps, so the awaited JWT signing between timers completes. */
async function runFor(ms: number) {
  for (let passed = 0; passed < ms; passed += 100) await vi.advanceTimersByTimeAsync(100)
}

// Fake time from a fixed instant, and a document the scheduler can listen to.
beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-06-01T12:00:00Z') })
  vi.stubGlobal('document', Object.assign(new EventTarget(), { visibilityState: 'visible' }))
})
afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('refresher and expiry timer', () => {
  it('with a correct clock: 2 s tokens are refreshed a third of their lifetime early, once each', async () => {
    const server = backend({ ttlSeconds: 2 })
    const tab = await openTab(server)
    await runFor(10_000)
    // One refresh per 2/3 of a lifetime: 10 s / 1.33 s.
    expect(server.calls()).toBeGreaterThanOrEqual(6)
    expect(server.calls()).toBeLessThanOrEqual(9)
    tab.stop()
  })

  it('a browser clock one hour ahead makes no refresh storm: expiry is judged by the server\'s clock', async () => {
    const server = backend({ ttlSeconds: 2, issuerSkewMs: 3_600_000 })
    const tab = await openTab(server)
    await runFor(10_000)
    expect(server.calls()).toBeGreaterThanOrEqual(6)
    expect(server.calls()).toBeLessThanOrEqual(9)
    tab.stop()
  })

  it('even without any observation of the server\'s clock, refreshes stay a minimum interval apart', async () => {
    const server = backend({ ttlSeconds: 2, issuerSkewMs: 3_600_000 })
    const tab = await openTab(server, { observeServerTime: false })
    await runFor(10_000)
    // The second refresh's `iat` corrects the clock (it confirms the first's); before that, at most one per second
    // (half the lifetime).
    expect(server.calls()).toBeLessThanOrEqual(11)
    tab.stop()
  })

  it('refresh() and a 401 that arrive while an automatic attempt finds no refresh due still refresh, once', async () => {
    const server = backend({ ttlSeconds: 60 })
    const { tokens, refresher, stop } = await openTab(server)
    expect(await refresher.refresh()).toBe('refreshed')
    await runFor(2000)
    // The access token is gone (useAuthState().clearToken()): an automatic trigger starts, and the minimum interval
    // since the last refresh makes it decide 'fresh'.
    tokens.write({ token: null })
    const automatic = refresher.refreshIfNeeded()
    const explicit = refresher.refresh()
    const afterUnauthorized = refresher.refreshAfterUnauthorized(null)
    expect(await automatic).toBe('fresh')
    expect(await explicit).toBe('refreshed')
    expect(await afterUnauthorized).toBe('refreshed')
    expect(server.calls()).toBe(2)
    expect(tokens.token()).not.toBeNull()
    stop()
  })

  it.each([
    ['without a verdict (the backend was down)', new AuthError('SERVER', 'Bad gateway', { status: 502 }), 'refreshed', 2],
    ['with a verdict (the refresh token refused)', new AuthError('REFRESH_REFUSED', 'Refused', { status: 401 }), 'REFRESH_REFUSED', 1],
  ] as const)('refresh() that joins an automatic attempt failing %s', async (_label, failure, outcome, calls) => {
    const server = backend({ ttlSeconds: 60, refusals: [failure] })
    const { tokens, refresher, stop } = await openTab(server)
    // The access token is gone: an automatic trigger spends the refresh token, and its request fails.
    tokens.write({ token: null })
    const automatic = refresher.refreshIfNeeded().catch((error: AuthError) => error.code)
    // Asked while that attempt was on its way, before its failure: it was sent before this caller asked.
    const explicit = refresher.refresh().catch((error: AuthError) => error.code)
    expect(await automatic).toBe(failure.code)
    expect(await explicit).toBe(outcome)
    expect(server.calls()).toBe(calls)
    stop()
  })

  it('a token without iat that lives 30 s is used for 20 s, not refreshed at once', async () => {
    const server = backend({ ttlSeconds: 30, withIat: false })
    const tab = await openTab(server)
    await runFor(19_000)
    expect(server.calls()).toBe(0)
    await runFor(2_000)
    expect(server.calls()).toBe(1)
    tab.stop()
  })

  it('a 401 for a token that was already replaced adopts the new one instead of spending the refresh token', async () => {
    const server = backend({ ttlSeconds: 60 })
    const tab = await openTab(server)
    const rejected = tab.tokens.token()
    tab.tokens.write({ token: server.mint(), refreshToken: 'from-another-tab' })
    expect(await tab.refresher.refreshAfterUnauthorized(rejected)).toBe('adopted')
    expect(server.calls()).toBe(0)
    expect(await tab.refresher.refreshAfterUnauthorized(tab.tokens.token())).toBe('refreshed')
    expect(server.calls()).toBe(1)
    tab.stop()
  })

  it('a 401 whose access cookie ran out while it waited for the lock spends the refresh token (no token is not a newer one)', async () => {
    const server = backend({ ttlSeconds: 60 })
    const tab = await openTab(server)
    const rejected = tab.tokens.token()
    // Another tab holds the lock, and its refresh fails (it writes nothing); meanwhile the access cookie's Max-Age ends.
    let release!: () => void
    lock.gate = new Promise<void>(resolve => (release = resolve))
    const outcome = tab.refresher.refreshAfterUnauthorized(rejected)
    tab.tokens.write({ token: null })
    release()
    expect(await outcome).toBe('refreshed')
    expect(server.calls()).toBe(1)
    expect(tab.tokens.refreshToken()).toBe('r1')
    tab.stop()
  })

  it('concurrent refreshes in one tab share one request', async () => {
    const server = backend({ ttlSeconds: 60 })
    const tab = await openTab(server)
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => tab.refresher.refresh()))
    expect(new Set(outcomes)).toEqual(new Set(['refreshed']))
    expect(server.calls()).toBe(1)
    tab.stop()
  })

  it('a rate limit\'s Retry-After holds automatic refreshes back that long, not the backoff\'s 1, 2, 4 s', async () => {
    const limited = new AuthError('RATE_LIMITED', 'Slow down', { status: 429, retryAfterMs: 20_000 })
    const server = backend({ ttlSeconds: 2, refusals: [limited] })
    const tab = await openTab(server)
    // The refresh is due after 1.3 s (two thirds of the lifetime): it is asked again 20 s after that.
    await runFor(21_000)
    expect(server.calls()).toBe(1)
    expect(tab.store.machine.phase).toBe('authenticated')
    await runFor(1_000)
    expect(server.calls()).toBe(2)
    tab.stop()
  })

  it('a Retry-After of a day holds them back ten minutes at most', async () => {
    const limited = new AuthError('RATE_LIMITED', 'Slow down', { status: 429, retryAfterMs: 86_400_000 })
    const server = backend({ ttlSeconds: 2, refusals: [limited] })
    const tab = await openTab(server)
    await runFor(2_000)
    expect(server.calls()).toBe(1)
    await vi.advanceTimersByTimeAsync(9 * 60_000)
    expect(server.calls()).toBe(1)
    await runFor(60_000)
    expect(server.calls()).toBe(2)
    tab.stop()
  })

  it('an answer the jar cannot hold (a cookie over the browser\'s 4096 bytes) is a failure, reported and backed off: no storm', async () => {
    const server = backend({ ttlSeconds: 2 })
    const tab = await openTab(server, { maxCookieBytes: 4096 })
    let calls = 0
    // From now on the backend's tokens carry a claim too big for a cookie.
    server.strategy.refresh = async () => {
      calls += 1
      return { token: `${server.mint()}${'x'.repeat(5000)}`, refreshToken: `big${calls}` }
    }
    await runFor(3000)
    tab.stop()
    // Backoff: 1 s, then 2 s, after the first attempt (at most a handful of attempts in 3 s, not one per timer tick).
    expect(calls).toBeGreaterThan(0)
    expect(calls).toBeLessThanOrEqual(3)
    expect(tab.store.machine.activity).toBeNull()
    expect(tab.store.machine.error).toBe('BAD_RESPONSE')
    // The tokens held stay (nobody signed out by a failure of this browser's jar).
    expect(tab.tokens.refreshToken()).toBe('r0')
  })

  it('a lock that cannot be taken (its code did not load) is a failure backed off, not a timer firing at once again and again', async () => {
    const server = backend({ ttlSeconds: 2 })
    const tab = await openTab(server)
    lock.fails = true
    lock.attempts = 0
    try {
      await runFor(20_000)
    }
    finally {
      lock.fails = false
      tab.stop()
    }
    // 1, 2, 4, 8, 15 s apart: a handful of attempts in 20 s.
    expect(lock.attempts).toBeGreaterThan(0)
    expect(lock.attempts).toBeLessThanOrEqual(8)
    expect(server.calls()).toBe(0)
  })

  it('a 401 that joins an automatic attempt which found another tab backing off still refreshes (it signed the user out)', async () => {
    const storage = new Map<string, string>()
    vi.stubGlobal('localStorage', { getItem: (key: string) => storage.get(key) ?? null, setItem: (key: string, value: string) => void storage.set(key, value), removeItem: (key: string) => void storage.delete(key) })
    const working = backend({ ttlSeconds: -10 })
    const failing = backend({ ttlSeconds: -10, refusals: [new AuthError('SERVER', 'Service unavailable', { status: 503 })] })
    const tabA = await openTab(working)
    const tabB = await openTab(failing)
    // Tab A's timer refresh waits for the lock while tab B's refresh fails.
    let open!: () => void
    lock.gate = new Promise<void>(resolve => (open = resolve))
    const automatic = tabA.refresher.refreshIfNeeded()
    await tabB.refresher.refresh().catch(() => {})
    // Then an API call of tab A gets a 401 and asks for a refresh: it joins the automatic one.
    const afterUnauthorized = tabA.refresher.refreshAfterUnauthorized(tabA.tokens.token())
    open()
    expect(await automatic).toBe('skipped')
    expect(await afterUnauthorized).toBe('refreshed')
    expect(working.calls()).toBe(1)
    tabA.stop()
    tabB.stop()
  })

  it('a new session\'s refresh token is not held back by the previous one\'s failure', async () => {
    const server = backend({ ttlSeconds: -10, refusals: [new AuthError('RATE_LIMITED', 'Slow down', { status: 429, retryAfterMs: 300_000 })] })
    const tab = await openTab(server)
    await tab.refresher.refresh().catch(() => {})
    expect(await tab.refresher.refreshIfNeeded()).toBe('skipped')
    // Signed out and in again: another refresh token in the jar.
    tab.tokens.write({ token: server.mint(), refreshToken: 'r-new-session' })
    expect(await tab.refresher.refreshIfNeeded()).toBe('refreshed')
    tab.stop()
  })

  it('a last refresh stamped in the future (the clock was set back since) holds no automatic refresh back', async () => {
    const server = backend({ ttlSeconds: 60 })
    const tab = await openTab(server)
    await tab.refresher.refresh()
    tab.stop()
    // The clock goes back an hour; the tokens then held are expired by it.
    vi.setSystemTime(Date.now() - 3_600_000)
    const now = Math.floor(Date.now() / 1000)
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
    tab.tokens.write({ token: `${part({ alg: 'HS256' })}.${part({ sub: 'u1', iat: now - 120, exp: now - 60 })}.signature` })
    expect(await tab.refresher.refreshIfNeeded()).toBe('refreshed')
  })

  it('tabs back off together: after a failure in one, the others\' automatic refreshes wait too (one tab\'s calls, not N times)', async () => {
    const storage = new Map<string, string>()
    vi.stubGlobal('localStorage', { getItem: (key: string) => storage.get(key) ?? null, setItem: (key: string, value: string) => void storage.set(key, value) })
    const down = () => new AuthError('SERVER', 'Service unavailable', { status: 503 })
    const alone = backend({ ttlSeconds: 2, refusals: Array.from({ length: 1000 }, down) })
    const single = await openTab(alone)
    await runFor(60_000)
    single.stop()
    storage.clear()
    const shared = backend({ ttlSeconds: 2, refusals: Array.from({ length: 1000 }, down) })
    const tabs = await Promise.all([openTab(shared), openTab(shared), openTab(shared)])
    await runFor(60_000)
    for (const tab of tabs) tab.stop()
    expect(alone.calls()).toBeGreaterThan(3)
    // Three tabs: about one tab's calls (each may make one of its own before it sees the other's failure).
    expect(shared.calls()).toBeLessThanOrEqual(alone.calls() + 3)
  })

  it('a refresh in flight when the checks stop arms no timer when it ends (the app is gone)', async () => {
    const server = backend({ ttlSeconds: 2 })
    let answer!: () => void
    const refresh = server.strategy.refresh!
    // The first refresh is held until the test answers it; the others (if any) go at once.
    server.strategy.refresh = async (...args) => {
      if (!answer) await new Promise<void>(resolve => (answer = resolve))
      return await refresh(...args)
    }
    const tab = await openTab(server)
    await vi.waitFor(async () => {
      await runFor(100)
      expect(answer).toBeTypeOf('function')
    })
    tab.stop()
    answer()
    await runFor(100)
    const calls = server.calls()
    await runFor(200_000)
    expect(server.calls()).toBe(calls)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('stopping the checks leaves no timer and no listener behind', async () => {
    const server = backend({ ttlSeconds: 60 })
    const removed = vi.spyOn(document, 'removeEventListener')
    const tab = await openTab(server)
    expect(vi.getTimerCount()).toBe(1)
    tab.stop()
    expect(vi.getTimerCount()).toBe(0)
    expect(removed).toHaveBeenCalledWith('visibilitychange', expect.any(Function))
  })
})

describe('refresher: an answer that comes after the session ended', () => {
  it('is not written back when another tab signed out while it travelled', async () => {
    const server = backend({ ttlSeconds: 60 })
    const tab = await openTab(server)
    let release: () => void = () => {}
    const original = server.strategy.refresh!
    server.strategy.refresh = async (ctx) => {
      await new Promise<void>((resolve) => {
        release = resolve
      })
      return await original(ctx)
    }
    const pending = tab.refresher.refresh()
    await vi.advanceTimersByTimeAsync(0)
    // Another tab signs out: it clears the shared jar without taking the refresh lock.
    tab.tokens.clear()
    release()
    expect(await pending).toBe('skipped')
    expect(tab.tokens.token()).toBeNull()
    expect(tab.tokens.refreshToken()).toBeNull()
    tab.stop()
  })
})

describe('refresher: a refusal about a token the jar no longer holds', () => {
  it('signs nobody out when the user signed in anew while the refused refresh travelled', async () => {
    const server = backend({ ttlSeconds: 60 })
    let signedOut = 0
    const tab = await openTab(server, { onSignOut: () => signedOut++ })
    let refuse: () => void = () => {}
    server.strategy.refresh = () => new Promise((_resolve, reject) => {
      refuse = () => reject(new AuthError('REFRESH_REFUSED', 'refused'))
    })
    const pending = tab.refresher.refresh().catch((error: unknown) => error)
    await vi.advanceTimersByTimeAsync(0)
    // Another tab signed out and a new sign-in stored fresh tokens.
    tab.tokens.write({ token: server.mint(), refreshToken: 'from-a-new-sign-in' })
    refuse()
    expect(await pending).toMatchObject({ code: 'REFRESH_REFUSED' })
    expect(signedOut).toBe(0)
    expect(tab.tokens.refreshToken()).toBe('from-a-new-sign-in')
    tab.stop()
  })

  it('a sign-out the refusal asked for, declined because another tab rotated the tokens meanwhile, leaves no refresh showing as running', async () => {
    const server = backend({ ttlSeconds: 60 })
    // The sign-out waits for the lock while another tab refreshes: its tokens are in the jar when it gets it.
    const tab: Awaited<ReturnType<typeof openTab>> = await openTab(server, { onSignOut: () => tab.tokens.write({ token: server.mint(), refreshToken: 'rotated-by-another-tab' }) })
    server.strategy.refresh = async () => {
      throw new AuthError('REFRESH_REFUSED', 'refused')
    }
    await expect(tab.refresher.refresh()).rejects.toMatchObject({ code: 'REFRESH_REFUSED' })
    expect(tab.store.machine).toMatchObject({ phase: 'authenticated', activity: null })
    tab.stop()
  })
})

describe('refresher: what runs inside the token lock', () => {
  it('hooks and the sign-out after a refusal run once the lock is released (app code in them may sign in or out)', async () => {
    const server = backend({ ttlSeconds: 60 })
    const seen: Array<{ step: string, lockHeld: boolean }> = []
    const tab = await openTab(server, {
      onRefreshed: () => seen.push({ step: 'refreshed', lockHeld: lock.held }),
      onSignOut: () => seen.push({ step: 'signed-out', lockHeld: lock.held }),
    })
    expect(await tab.refresher.refresh()).toBe('refreshed')
    server.strategy.refresh = async () => {
      throw new AuthError('REFRESH_REFUSED', 'refused')
    }
    await expect(tab.refresher.refresh()).rejects.toMatchObject({ code: 'REFRESH_REFUSED' })
    expect(seen).toEqual([{ step: 'refreshed', lockHeld: false }, { step: 'signed-out', lockHeld: false }])
    tab.stop()
  })
})

describe('refresher: an answer the relay route stored', () => {
  /** The relay route's answer: the browser sets its cookies before page code sees it. */
  function relayed(tab: Awaited<ReturnType<typeof openTab>>, server: ReturnType<typeof backend>, during: () => void = () => {}) {
    server.strategy.refresh = async () => {
      during()
      tab.tokens.write({ token: server.mint(), refreshToken: 'set-by-the-route' })
      return { stored: true }
    }
  }

  it('is taken as it is in the jar: nothing written over it', async () => {
    const server = backend({ ttlSeconds: 60 })
    const tab = await openTab(server)
    relayed(tab, server)
    expect(await tab.refresher.refresh()).toBe('refreshed')
    expect(tab.tokens.refreshToken()).toBe('set-by-the-route')
    expect(tab.tokens.views().refreshToken.value).toBe('set-by-the-route')
    expect(tab.tokens.token()).not.toBeNull()
    tab.stop()
  })

  it('still corrects the estimate of the issuer\'s clock from the new token\'s iat', async () => {
    const server = backend({ ttlSeconds: 60, issuerSkewMs: 120_000 })
    const tab = await openTab(server, { observeServerTime: false })
    relayed(tab, server)
    expect(await tab.refresher.refresh()).toBe('refreshed')
    // One iat behind may be an old token handed out again (core/clock.ts); the next refresh's agrees.
    expect(tab.clock.offset()).toBe(0)
    expect(await tab.refresher.refresh()).toBe('refreshed')
    // The issuer runs two minutes behind this browser; iat has whole seconds, so within a second and a half.
    expect(Math.abs(tab.clock.offset() + 120_000)).toBeLessThan(1500)
    tab.stop()
  })

  it('is removed again when this tab ended the session while it travelled', async () => {
    const server = backend({ ttlSeconds: 60 })
    const tab = await openTab(server)
    relayed(tab, server, () => tab.store.dispatch({ type: 'SIGNED_OUT' }))
    expect(await tab.refresher.refresh()).toBe('skipped')
    expect(tab.tokens.refreshToken()).toBeNull()
    expect(tab.tokens.token()).toBeNull()
    tab.stop()
  })
})

describe('the check again after checks without a verdict', () => {
  /** A store over the real machine, starting at `machine`. */
  function machineStore(machine: AuthMachineState) {
    const store = reactive({
      machine,
      dispatch(event: AuthEvent) {
        store.machine = transition(store.machine, event)
      },
    })
    return store
  }

  /** The scheduling over `store`, its checks counted; `answer` is what a check does to the machine. */
  function scheduled(store: ReturnType<typeof machineStore>, lastFailure: AuthError | null, answer: () => Promise<void> = async () => {}) {
    const counted = { checks: 0 }
    const session = {
      async getSession() {
        counted.checks += 1
        await answer()
        return null
      },
      lastFailure: () => lastFailure,
    }
    const sessionRefresh: PublicAuthConfig['sessionRefresh'] = { enablePeriodically: false, enableOnWindowFocus: false, skewSeconds: 30, customHandler: false }
    const stop = scheduleChecks({ tokens: appTokens(), refresher: null, session, store: store as never, clock: createIssuerClock(), sessionRefresh, enforceGuard: async () => {}, enforceAccess: async () => {}, loadSignIn: async () => ({}) })
    return { counted, stop }
  }

  it('waits as long as a rate-limited check\'s Retry-After says, not 2 s', async () => {
    const limited = new AuthError('RATE_LIMITED', 'Slow down', { status: 429, retryAfterMs: 30_000 })
    // No verdict yet: the first check was rate-limited.
    const store = machineStore({ ...initialMachineState, error: 'RATE_LIMITED', checkFailed: true })
    const { counted, stop } = scheduled(store, limited, async () => {
      store.dispatch({ type: 'START', activity: 'checking' })
      await Promise.resolve()
      store.dispatch({ type: 'VERDICT', present: false, epoch: store.machine.epoch })
    })
    await runFor(29_000)
    expect(counted.checks).toBe(0)
    await runFor(2_000)
    expect(counted.checks).toBe(1)
    expect(store.machine.phase).toBe('unauthenticated')
    stop()
  })

  it('a tab brought back to the front waits for the Retry-After too', async () => {
    const limited = new AuthError('RATE_LIMITED', 'Slow down', { status: 429, retryAfterMs: 120_000 })
    const store = machineStore({ ...initialMachineState, error: 'RATE_LIMITED', checkFailed: true })
    const { counted, stop } = scheduled(store, limited)
    // Ten switches back to this tab in 20 s.
    for (let switches = 0; switches < 10; switches++) {
      document.dispatchEvent(new Event('visibilitychange'))
      await runFor(2_000)
    }
    expect(counted.checks).toBe(0)
    await runFor(101_000)
    expect(counted.checks).toBe(1)
    stop()
  })

  it('asks again even when the clock was set back while it waited (the timer then fires before its time by that clock)', async () => {
    const store = machineStore({ ...initialMachineState, error: 'NETWORK', checkFailed: true })
    const { counted, stop } = scheduled(store, new AuthError('NETWORK', 'offline'))
    await runFor(1_000)
    vi.setSystemTime(Date.now() - 1_000)
    await runFor(5_000)
    expect(counted.checks).toBeGreaterThan(0)
    stop()
  })

  it('a signed-in tab brought to the front with an empty jar (signed out elsewhere, no message came) checks, with focus checks off', async () => {
    const store = machineStore({ ...initialMachineState, phase: 'authenticated' })
    const tokens = appTokens()
    tokens.write({ token: 'T1' })
    let checks = 0
    const session = { getSession: async () => (checks += 1, null), lastFailure: () => null }
    const sessionRefresh: PublicAuthConfig['sessionRefresh'] = { enablePeriodically: false, enableOnWindowFocus: false, skewSeconds: 30, customHandler: false }
    const stop = scheduleChecks({ tokens, refresher: null, session, store: store as never, clock: createIssuerClock(), sessionRefresh, enforceGuard: async () => {}, enforceAccess: async () => {}, loadSignIn: async () => ({}) })
    document.dispatchEvent(new Event('visibilitychange'))
    expect(checks).toBe(0)
    // Another tab signed out; this one missed its message.
    tokens.clear()
    document.dispatchEvent(new Event('visibilitychange'))
    expect(checks).toBe(1)
    stop()
  })

  it('asks nothing again after a refused sign-in alone: that error is no failed check', async () => {
    const store = machineStore({ ...initialMachineState })
    const { counted, stop } = scheduled(store, null)
    store.dispatch({ type: 'START', activity: 'signingIn' })
    store.dispatch({ type: 'FAIL', code: 'INVALID_CREDENTIALS', epoch: 0, about: 'credentials' })
    await runFor(10_000)
    expect(counted.checks).toBe(0)
    // A check that fails without a verdict is asked again (2 s, doubling).
    store.dispatch({ type: 'FAIL', code: 'NETWORK', epoch: 0, about: 'session' })
    await runFor(2_500)
    expect(counted.checks).toBe(1)
    stop()
  })
})
