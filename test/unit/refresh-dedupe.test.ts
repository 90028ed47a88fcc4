import { createHash } from 'node:crypto'
import { createStorage } from 'unstorage'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AuthError, RETRY_AFTER_MAX_MS } from '../../src/runtime/core'
import { createSessionKeys } from '../../src/runtime/server/sessions/keys'
import { createProcessLock } from '../../src/runtime/server/sessions/lock'
import { dedupeServerRefresh, endServerRefresh, HTTPONLY_REPLAY_GRACE_MS, supersedeServerRefresh, UNDELIVERED_HOLD_MS } from '../../src/runtime/shared/refresh-dedupe'
import { setSharedState, writeSealed, type SharedState } from '../../src/runtime/shared/shared-state'

// The per-process maps and the shared state live on globalThis (see refresh-dedupe.ts and shared-state.ts).
const IN_FLIGHT = Symbol.for('nuxt-gatekeeper:refresh-in-flight')
const ENDED = Symbol.for('nuxt-gatekeeper:refresh-ended')
const SHARED = Symbol.for('nuxt-gatekeeper:shared-state')
const processMaps = globalThis as unknown as { [IN_FLIGHT]: Map<string, unknown>, [ENDED]: Map<string, unknown> }

let pairs = 0
/** A fresh pair of tokens per test: the maps outlive each test. */
const newPair = () => ({ refreshToken: `refresh-${++pairs}`, accessToken: `access-${pairs}` })
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/** A backend refresh answering after `ms` with the successor of `pair`. */
function slowRefresh(pair: { refreshToken: string }, ms: number) {
  let calls = 0
  return {
    calls: () => calls,
    refresh: async () => {
      calls++
      await sleep(ms)
      return { token: `successor-of-${pair.refreshToken}`, refreshToken: `next-${pair.refreshToken}` }
    },
  }
}

const codeOf = (promise: Promise<unknown>) => promise.then(() => 'ok', (error: AuthError) => error.code)
/** `onEnded` for a refresh a sign-out or sign-in may end, where the test does not look at the call. */
const noop = () => {}

afterEach(() => {
  Reflect.deleteProperty(globalThis, SHARED)
  vi.restoreAllMocks()
})

describe('a sign-out ends the server refresh of its tokens (one process)', () => {
  it('a refresh in flight: the sign-out gets its successor, the refresh\'s requests get REFRESH_REFUSED', async () => {
    const pair = newPair()
    const backend = slowRefresh(pair, 50)
    const refreshing = codeOf(dedupeServerRefresh(pair.refreshToken, backend.refresh, { onEnded: noop }))
    const joined = codeOf(dedupeServerRefresh(pair.refreshToken, backend.refresh, { onEnded: noop }))
    await sleep(10)
    expect(await endServerRefresh(pair.refreshToken)).toEqual({ token: `successor-of-${pair.refreshToken}`, refreshToken: `next-${pair.refreshToken}` })
    expect(await refreshing).toBe('REFRESH_REFUSED')
    expect(await joined).toBe('REFRESH_REFUSED')
    expect(backend.calls()).toBe(1)
  })

  it('no refresh of those tokens: nothing to end, and a refresh of other tokens goes on', async () => {
    const ended = newPair()
    expect(await endServerRefresh(ended.refreshToken)).toBeNull()
    const other = newPair()
    expect(await codeOf(dedupeServerRefresh(other.refreshToken, slowRefresh(other, 1).refresh, { onEnded: noop }))).toBe('ok')
  })

  it('a sign-out with the successor: a request with the spent pair within the grace does not get the successor', async () => {
    const pair = newPair()
    const backend = slowRefresh(pair, 1)
    expect(await codeOf(dedupeServerRefresh(pair.refreshToken, backend.refresh, { graceMs: HTTPONLY_REPLAY_GRACE_MS, onEnded: noop }))).toBe('ok')
    // Without the sign-out the late request joins (it gets the successor, no second backend call).
    expect(await codeOf(dedupeServerRefresh(pair.refreshToken, backend.refresh, { graceMs: HTTPONLY_REPLAY_GRACE_MS, onEnded: noop }))).toBe('ok')
    expect(await endServerRefresh(`next-${pair.refreshToken}`)).toBeNull()
    expect(await codeOf(dedupeServerRefresh(pair.refreshToken, backend.refresh, { graceMs: HTTPONLY_REPLAY_GRACE_MS, onEnded: noop }))).toBe('REFRESH_REFUSED')
    expect(backend.calls()).toBe(1)
  })
})

describe('a sign-in supersedes the server refresh of the tokens the browser held before', () => {
  it('a refresh in flight: its requests get SUPERSEDED (no verdict), each told before the refusal so it sets nothing', async () => {
    const pair = newPair()
    const backend = slowRefresh(pair, 50)
    const told: string[] = []
    const refreshing = codeOf(dedupeServerRefresh(pair.refreshToken, backend.refresh, { onEnded: () => told.push('first') }))
    const joined = codeOf(dedupeServerRefresh(pair.refreshToken, backend.refresh, { onEnded: () => told.push('joined') }))
    await sleep(10)
    await supersedeServerRefresh(pair.refreshToken)
    expect(await refreshing).toBe('SUPERSEDED')
    expect(await joined).toBe('SUPERSEDED')
    expect(told.sort()).toEqual(['first', 'joined'])
    expect(backend.calls()).toBe(1)
  })

  it('a refresh of the same tokens that starts after the sign-in is not ended by it (a backend that hands the pair out again)', async () => {
    const pair = newPair()
    await supersedeServerRefresh(pair.refreshToken)
    await sleep(2)
    expect(await codeOf(dedupeServerRefresh(pair.refreshToken, slowRefresh(pair, 1).refresh, { onEnded: noop }))).toBe('ok')
  })

  it.each([
    ['sign-in', 'SUPERSEDED', supersedeServerRefresh],
    ['sign-out', 'REFRESH_REFUSED', endServerRefresh],
  ] as const)('a refresh the backend refuses after a %s: %s, its request told first (its verdict would delete the new cookies)', async (_by, code, end) => {
    const pair = newPair()
    const told: string[] = []
    let refuse!: () => void
    const refused = new Promise<never>((_resolve, reject) => refuse = () => reject(new AuthError('REFRESH_REFUSED', 'Revoked', { status: 401 })))
    const refreshing = codeOf(dedupeServerRefresh(pair.refreshToken, () => refused, { onEnded: () => told.push('ended') }))
    await sleep(5)
    const ending = (end as (refreshToken: string) => Promise<unknown>)(pair.refreshToken)
    await sleep(5)
    refuse()
    await ending
    expect(await refreshing).toBe(code)
    expect(told).toEqual(['ended'])
  })

  it('a sign-in marking while an answer with the successor is still on its way waits until that answer has left', async () => {
    const pair = newPair()
    let leave!: () => void
    const left = new Promise<boolean>(resolve => leave = () => resolve(true))
    // Past the check (no mark yet): this request sets the successor's cookies on a response still being sent.
    expect(await codeOf(dedupeServerRefresh(pair.refreshToken, slowRefresh(pair, 1).refresh, { answered: () => left, onEnded: noop }))).toBe('ok')
    let marked = false
    const signingIn = supersedeServerRefresh(pair.refreshToken).then(() => marked = true)
    await sleep(20)
    expect(marked).toBe(false)
    leave()
    await signingIn
    expect(marked).toBe(true)
    // Also for a sign-in presenting the successor that answer carried.
    const next = newPair()
    let leaveNext!: () => void
    const nextLeft = new Promise<boolean>(resolve => leaveNext = () => resolve(true))
    await dedupeServerRefresh(next.refreshToken, slowRefresh(next, 1).refresh, { answered: () => nextLeft, onEnded: noop })
    let nextMarked = false
    const withSuccessor = supersedeServerRefresh(`next-${next.refreshToken}`).then(() => nextMarked = true)
    await sleep(20)
    expect(nextMarked).toBe(false)
    leaveNext()
    await withSuccessor
  })

  it('a sign-in or sign-out by the very request whose answer is on its way (an app middleware refreshed first) waits for none of it', async () => {
    const pair = newPair()
    const request = {}
    let leave!: () => void
    const left = new Promise<boolean>(resolve => leave = () => resolve(true))
    await dedupeServerRefresh(pair.refreshToken, slowRefresh(pair, 1).refresh, { answered: () => left, onEnded: noop, owner: request })
    // Its own answer cannot leave before it returns: waiting for it would hold the sign-in for the 10 s the wait allows.
    await supersedeServerRefresh(pair.refreshToken, request)
    expect(await endServerRefresh(pair.refreshToken, request)).toEqual({ token: `successor-of-${pair.refreshToken}`, refreshToken: `next-${pair.refreshToken}` })
    // Another request's sign-in still waits for it.
    let marked = false
    const other = supersedeServerRefresh(pair.refreshToken, {}).then(() => marked = true)
    await sleep(20)
    expect(marked).toBe(false)
    leave()
    await other
  })

  it('a request with the spent pair within the grace, after a sign-in presenting the successor: SUPERSEDED, not the successor', async () => {
    const pair = newPair()
    const backend = slowRefresh(pair, 1)
    expect(await codeOf(dedupeServerRefresh(pair.refreshToken, backend.refresh, { graceMs: HTTPONLY_REPLAY_GRACE_MS, onEnded: noop }))).toBe('ok')
    await supersedeServerRefresh(`next-${pair.refreshToken}`)
    expect(await codeOf(dedupeServerRefresh(pair.refreshToken, backend.refresh, { graceMs: HTTPONLY_REPLAY_GRACE_MS, onEnded: noop }))).toBe('SUPERSEDED')
    expect(backend.calls()).toBe(1)
  })
})

describe('a sign-out ends the server refresh of its tokens (auth.sharedState: another instance)', () => {
  async function sharedStorage(): Promise<SharedState> {
    const state = { storage: createStorage(), keys: await createSessionKeys(['x'.repeat(32)]), lock: createProcessLock(5000), name: 'memory', lockTtlMs: 5000 }
    setSharedState(Promise.resolve(state))
    return state
  }

  /** Runs `work` as another instance would: without this process's in-flight refresh or its sign-out marks. */
  async function onAnotherInstance<T>(work: () => Promise<T>): Promise<T> {
    const hidden = new Map(processMaps[IN_FLIGHT])
    processMaps[IN_FLIGHT].clear()
    try {
      return await work()
    }
    finally {
      for (const [key, value] of hidden) processMaps[IN_FLIGHT].set(key, value)
    }
  }

  it('a backend that does not rotate refresh tokens: a request on another instance holding the recorded answer refreshes anew', async () => {
    await sharedStorage()
    const refreshToken = `static-shared-${Math.random()}`
    let calls = 0
    const refresh = async () => ({ token: `shared-access-${++calls}` })
    const first = await dedupeServerRefresh(refreshToken, refresh, { answered: async () => false })
    expect(await onAnotherInstance(() => dedupeServerRefresh(refreshToken, refresh, { presentedToken: 'access-before' }))).toEqual(first)
    expect(await onAnotherInstance(() => dedupeServerRefresh(refreshToken, refresh, { presentedToken: first.token }))).toEqual({ token: 'shared-access-2' })
    expect(calls).toBe(2)
  })

  it('the sign-out waits for the other instance\'s answer in the storage; that instance\'s refresh sets nothing', async () => {
    await sharedStorage()
    const pair = newPair()
    const backend = slowRefresh(pair, 150)
    const refreshing = codeOf(dedupeServerRefresh(pair.refreshToken, backend.refresh, { onEnded: noop }))
    await sleep(20)
    const signingOut = onAnotherInstance(() => endServerRefresh(pair.refreshToken))
    // The mark this process keeps for its own sign-outs is gone, as on the instance that refreshes: only the storage's is left.
    await sleep(20)
    processMaps[ENDED].clear()
    expect(await signingOut).toEqual({ token: `successor-of-${pair.refreshToken}`, refreshToken: `next-${pair.refreshToken}` })
    expect(await refreshing).toBe('REFRESH_REFUSED')
    expect(backend.calls()).toBe(1)
  })

  it('a sign-in on another instance supersedes this instance\'s refresh of the previous tokens', async () => {
    await sharedStorage()
    const pair = newPair()
    const backend = slowRefresh(pair, 150)
    const refreshing = codeOf(dedupeServerRefresh(pair.refreshToken, backend.refresh, { onEnded: noop }))
    await sleep(20)
    await onAnotherInstance(() => supersedeServerRefresh(pair.refreshToken))
    // Only the storage's mark is left, as on an instance that did not see the sign-in.
    processMaps[ENDED].clear()
    expect(await refreshing).toBe('SUPERSEDED')
    expect(backend.calls()).toBe(1)
  })

  it('a mark recorded by an earlier version (no `by`: only sign-outs wrote one) ends the refresh as a sign-out', async () => {
    const state = await sharedStorage()
    const pair = newPair()
    const key = createHash('sha256').update(pair.refreshToken).digest('hex')
    const refreshing = codeOf(dedupeServerRefresh(pair.refreshToken, slowRefresh(pair, 50).refresh, { onEnded: noop }))
    await sleep(10)
    await writeSealed(state, `e:${key}`, { ended: true, at: Date.now() }, 60)
    expect(await refreshing).toBe('REFRESH_REFUSED')
  })

  it('a rate-limited refresh holds on the other instances too, with the time left', async () => {
    await sharedStorage()
    const pair = newPair()
    const refused = await dedupeServerRefresh(pair.refreshToken, async () => Promise.reject(new AuthError('RATE_LIMITED', 'Too many refreshes', { status: 429, retryAfterMs: 20_000 }))).catch((error: AuthError) => error)
    // The wait left when the answer reaches the caller (a few milliseconds under 20 s on a busy machine).
    expect(refused).toMatchObject({ code: 'RATE_LIMITED' })
    expect((refused as AuthError).retryAfterMs).toBeGreaterThan(19_000)
    expect((refused as AuthError).retryAfterMs).toBeLessThanOrEqual(20_000)
    let calls = 0
    const elsewhere = await onAnotherInstance(() => dedupeServerRefresh(pair.refreshToken, async () => ({ token: `call-${++calls}` }))).catch((error: AuthError) => error)
    expect(elsewhere).toMatchObject({ code: 'RATE_LIMITED', status: 429 })
    expect((elsewhere as AuthError).retryAfterMs).toBeGreaterThan(19_000)
    expect((elsewhere as AuthError).retryAfterMs).toBeLessThanOrEqual(20_000)
    expect(calls).toBe(0)
  })

  it('a marker a dead instance left holds the sign-out no longer than a live refresh takes (half the lock\'s time)', async () => {
    const state = await sharedStorage()
    const pair = newPair()
    const key = createHash('sha256').update(pair.refreshToken).digest('hex')
    await writeSealed(state, `r:${key}`, { spending: true }, 60)
    vi.useFakeTimers()
    try {
      let settled: unknown = 'pending'
      void endServerRefresh(pair.refreshToken).then((successor) => {
        settled = successor
      })
      await vi.advanceTimersByTimeAsync(state.lockTtlMs / 2 - 100)
      expect(settled).toBe('pending')
      await vi.advanceTimersByTimeAsync(200)
      expect(settled).toBeNull()
    }
    finally {
      vi.useRealTimers()
    }
  })

  it('a refresh no sign-out can end (readable cookies: no sign-out route) reads no sign-out marks from the storage', async () => {
    const state = await sharedStorage()
    const reads = vi.spyOn(state.storage, 'getItem')
    const marksRead = () => reads.mock.calls.filter(([key]) => String(key).startsWith('e:')).length
    const pair = newPair()
    expect(await codeOf(dedupeServerRefresh(pair.refreshToken, slowRefresh(pair, 1).refresh))).toBe('ok')
    expect(marksRead()).toBe(0)
    const endable = newPair()
    expect(await codeOf(dedupeServerRefresh(endable.refreshToken, slowRefresh(endable, 1).refresh, { onEnded: noop }))).toBe('ok')
    expect(marksRead()).toBe(2)
  })

  it('a storage that fails to record the sign-out says so, and the sign-out goes on', async () => {
    const state = await sharedStorage()
    vi.spyOn(state.storage, 'setItem').mockRejectedValue(new Error('connection lost'))
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const pair = newPair()
    expect(await endServerRefresh(pair.refreshToken)).toBeNull()
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('failed to record a sign-out'))
  })

  it('a successor whose answer never reached the browser stays in the storage for its retry on any instance; a delivered one goes', async () => {
    const state = await sharedStorage()
    const removed = vi.spyOn(state.storage, 'removeItem')
    const written = vi.spyOn(state.storage, 'setItem')
    const keyOf = (pair: { refreshToken: string, accessToken: string }) => `r:${createHash('sha256').update(pair.refreshToken).digest('hex')}`
    /** The lifetimes the records of `pair` were written with, in seconds. */
    const lifetimes = (pair: { refreshToken: string, accessToken: string }) => written.mock.calls.filter(([key]) => key === keyOf(pair)).map(([, , options]) => (options as { ttl: number }).ttl)
    const lost = newPair()
    const backend = slowRefresh(lost, 1)
    await dedupeServerRefresh(lost.refreshToken, backend.refresh, { answered: async () => false })
    const delivered = newPair()
    await dedupeServerRefresh(delivered.refreshToken, slowRefresh(delivered, 1).refresh, { answered: async () => true })
    // The delivered one's record is removed a second after its answer left (for instances already polling).
    await vi.waitFor(() => expect(removed).toHaveBeenCalled(), { timeout: 5000 })
    expect(removed.mock.calls.map(([key]) => String(key))).toEqual([keyOf(delivered)])
    // Marked spending (the lock's time), then the answer for its delivery (10 s and 1); the lost one's again for a minute.
    expect(lifetimes(delivered)).toEqual([6, 11])
    expect(lifetimes(lost)).toEqual([6, 11, UNDELIVERED_HOLD_MS / 1000 + 1])
    expect(await onAnotherInstance(() => dedupeServerRefresh(lost.refreshToken, backend.refresh))).toEqual({ token: `successor-of-${lost.refreshToken}`, refreshToken: `next-${lost.refreshToken}` })
    expect(backend.calls()).toBe(1)
  })
})

describe('a backend that does not rotate refresh tokens (the same one for every refresh of a session)', () => {
  let issued = 0
  /** A backend answering a new access token and no refresh token: the refresh token stays. */
  const staticBackend = () => {
    let calls = 0
    return { calls: () => calls, refresh: async () => ({ token: `access-${++calls}-${++issued}` }) }
  }

  it('a request holding the answer of the refresh still held (its grace, an undelivered answer) refreshes anew, not a replay', async () => {
    for (const options of [{ answered: async () => false }, { answered: async () => true, graceMs: HTTPONLY_REPLAY_GRACE_MS, onEnded: noop }]) {
      const refreshToken = `static-${Math.random()}`
      const backend = staticBackend()
      const first = await dedupeServerRefresh(refreshToken, backend.refresh, options)
      // A request that still holds the spent access token joins it…
      expect(await dedupeServerRefresh(refreshToken, backend.refresh, { ...options, presentedToken: 'access-before' })).toEqual(first)
      // …one holding its answer (due again, or refused) gets a new one.
      const second = await dedupeServerRefresh(refreshToken, backend.refresh, { ...options, presentedToken: first.token })
      expect({ calls: backend.calls(), renewed: second.token !== first.token }).toEqual({ calls: 2, renewed: true })
    }
  })

  it('a sign-out ends the refreshes started before it, not one after the user signed in again with the same refresh token', async () => {
    const refreshToken = `per-user-${Math.random()}`
    expect(await endServerRefresh(refreshToken)).toBeNull()
    await sleep(2)
    expect(await codeOf(dedupeServerRefresh(refreshToken, staticBackend().refresh, { graceMs: HTTPONLY_REPLAY_GRACE_MS, onEnded: noop }))).toBe('ok')
  })
})

describe('a rate-limited server refresh answers its refusal for as long as the backend asked', () => {
  const limited = (retryAfterMs: number) => new AuthError('RATE_LIMITED', 'Too many refreshes', { status: 429, retryAfterMs })

  /** The outcome as a request sees it: its code and the wait it is told. */
  const outcomeOf = (promise: Promise<unknown>) => promise.then(() => ({ code: 'ok' }), (error: AuthError) => ({ code: error.code, retryAfterMs: error.retryAfterMs }))

  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('reloads within the Retry-After get RATE_LIMITED with the time left and no backend call; after it the backend is asked', async () => {
    const pair = newPair()
    let calls = 0
    const refresh = async () => {
      calls++
      if (calls === 1) throw limited(20_000)
      return { token: 'fresh' }
    }
    expect(await outcomeOf(dedupeServerRefresh(pair.refreshToken, refresh))).toEqual({ code: 'RATE_LIMITED', retryAfterMs: 20_000 })
    await vi.advanceTimersByTimeAsync(5_000)
    expect(await outcomeOf(dedupeServerRefresh(pair.refreshToken, refresh))).toEqual({ code: 'RATE_LIMITED', retryAfterMs: 15_000 })
    expect(calls).toBe(1)
    await vi.advanceTimersByTimeAsync(15_001)
    expect(await outcomeOf(dedupeServerRefresh(pair.refreshToken, refresh))).toEqual({ code: 'ok' })
    expect(calls).toBe(2)
  })

  it('a Retry-After of a day holds ten minutes at most; other failures are not held', async () => {
    const pair = newPair()
    let calls = 0
    const dayLimited = async () => {
      calls++
      throw limited(86_400_000)
    }
    await outcomeOf(dedupeServerRefresh(pair.refreshToken, dayLimited))
    await vi.advanceTimersByTimeAsync(RETRY_AFTER_MAX_MS - 1000)
    expect(await outcomeOf(dedupeServerRefresh(pair.refreshToken, dayLimited))).toEqual({ code: 'RATE_LIMITED', retryAfterMs: 1000 })
    await vi.advanceTimersByTimeAsync(1001)
    await outcomeOf(dedupeServerRefresh(pair.refreshToken, dayLimited))
    expect(calls).toBe(2)

    const other = newPair()
    let outageCalls = 0
    const outage = async () => {
      outageCalls++
      throw new AuthError('SERVER', 'Unavailable', { status: 503 })
    }
    await outcomeOf(dedupeServerRefresh(other.refreshToken, outage))
    await outcomeOf(dedupeServerRefresh(other.refreshToken, outage))
    expect(outageCalls).toBe(2)
  })
})

describe('a successor whose answer never reached the browser stays joinable for the browser\'s retry', () => {
  it('the connection closed before the answer left (the browser gave up waiting): the retry with the spent pair gets the successor, no second backend call', async () => {
    const pair = newPair()
    const backend = slowRefresh(pair, 1)
    expect(await dedupeServerRefresh(pair.refreshToken, backend.refresh, { answered: async () => false })).toEqual({ token: `successor-of-${pair.refreshToken}`, refreshToken: `next-${pair.refreshToken}` })
    // The browser retries a refresh that failed without a verdict after about a second.
    await sleep(50)
    expect(await dedupeServerRefresh(pair.refreshToken, backend.refresh, { answered: async () => true })).toEqual({ token: `successor-of-${pair.refreshToken}`, refreshToken: `next-${pair.refreshToken}` })
    expect(backend.calls()).toBe(1)
  })

  it('an answer that left: the spent pair presented again is a replay, which goes to the backend (its reuse detection)', async () => {
    const pair = newPair()
    const backend = slowRefresh(pair, 1)
    await dedupeServerRefresh(pair.refreshToken, backend.refresh, { answered: async () => true })
    await sleep(50)
    await dedupeServerRefresh(pair.refreshToken, backend.refresh, { answered: async () => true })
    expect(backend.calls()).toBe(2)
  })

  it('joinable for UNDELIVERED_HOLD_MS after the connection closed, no longer', async () => {
    vi.useFakeTimers()
    try {
      const pair = newPair()
      const backend = slowRefresh(pair, 1)
      const first = dedupeServerRefresh(pair.refreshToken, backend.refresh, { answered: async () => false })
      await vi.advanceTimersByTimeAsync(10)
      await first
      await vi.advanceTimersByTimeAsync(UNDELIVERED_HOLD_MS - 100)
      const retry = dedupeServerRefresh(pair.refreshToken, backend.refresh, { answered: async () => true })
      await vi.advanceTimersByTimeAsync(10)
      await retry
      expect(backend.calls()).toBe(1)
      await vi.advanceTimersByTimeAsync(200)
      const replay = dedupeServerRefresh(pair.refreshToken, backend.refresh, { answered: async () => true })
      await vi.advanceTimersByTimeAsync(10)
      await replay
      expect(backend.calls()).toBe(2)
    }
    finally {
      vi.useRealTimers()
    }
  })
})
