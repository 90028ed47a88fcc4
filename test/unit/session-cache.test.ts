import { SignJWT } from 'jose'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createExpiringCache } from '../../src/runtime/shared/expiring-cache'
import { cachedSession, forgetCachedSession, peekCachedSession } from '../../src/runtime/shared/session-cache'
import { serverIssuerClock } from '../../src/runtime/shared/server-issuer-clock'
import { readSealed, setSharedState } from '../../src/runtime/shared/shared-state'
import { createSessionKeys } from '../../src/runtime/server/sessions/keys'
import { createProcessLock } from '../../src/runtime/server/sessions/lock'
import { createStorage } from 'unstorage'
import { jwtExpiry } from '../../src/runtime/core/token'

const settings = { maxAge: 10, maxEntries: 100 }
let counter = 0
const uniqueToken = () => `opaque-token-${++counter}-${Math.random()}`

async function jwtExpiringIn(seconds: number) {
  return await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(Math.floor(Date.now() / 1000) + seconds).sign(new TextEncoder().encode('k'.repeat(32)))
}

afterEach(() => {
  vi.useRealTimers()
})

describe('the SSR session cache', () => {
  it('keeps nothing it cannot hand out again: a session that cannot be copied fails, and the next check asks again', async () => {
    const token = uniqueToken()
    const load = vi.fn(async () => ({ user: { name: 'Ada', greet: () => 'hi' } }))
    await expect(cachedSession(token, settings, load)).rejects.toThrow()
    load.mockImplementation(async () => ({ user: { name: 'Ada', greet: undefined as never } }))
    expect(await cachedSession(token, settings, load)).toEqual({ user: { name: 'Ada' } })
    expect(load).toHaveBeenCalledTimes(2)
  })

  it('asks the backend once for concurrent and repeated checks of one token, and gives each caller its own copy', async () => {
    const token = uniqueToken()
    const load = vi.fn(async () => ({ user: { name: 'Ada' } }))
    const sessions = await Promise.all(Array.from({ length: 5 }, () => cachedSession(token, settings, load)))
    const later = await cachedSession(token, settings, load) as { user: { name: string } }
    expect(load).toHaveBeenCalledTimes(1)
    expect(later).toEqual({ user: { name: 'Ada' } })
    later.user.name = 'changed by one request'
    expect(await cachedSession(token, settings, load)).toEqual({ user: { name: 'Ada' } })
    expect(new Set([...sessions, later]).size).toBe(6)
  })

  it('answers a render at once from a settled entry (peek), and only from one: not a miss, not in flight, not after a sign-out', async () => {
    const token = uniqueToken()
    let answer!: (session: unknown) => void
    const load = vi.fn(() => new Promise((resolve) => {
      answer = resolve
    }))
    expect(peekCachedSession(token, settings)).toBeUndefined()
    const inFlight = cachedSession(token, settings, load)
    await Promise.resolve()
    expect(peekCachedSession(token, settings)).toBeUndefined()
    answer({ user: { name: 'Ada' } })
    await inFlight
    const first = peekCachedSession(token, settings)
    const second = peekCachedSession(token, settings)
    expect([first, second]).toEqual([{ session: { user: { name: 'Ada' } } }, { session: { user: { name: 'Ada' } } }])
    expect(first!.session).not.toBe(second!.session)
    expect(load).toHaveBeenCalledTimes(1)
    await forgetCachedSession(token)
    expect(peekCachedSession(token, settings)).toBeUndefined()
  })

  it('copies what is not plain JSON the structured way (a Date stays a Date), and never hands out a null session from peek', async () => {
    const token = uniqueToken()
    const since = new Date('2026-01-02T03:04:05Z')
    await cachedSession(token, settings, async () => ({ id: 7, since }))
    const hit = peekCachedSession(token, settings)!.session as { since: Date }
    expect(hit.since).toBeInstanceOf(Date)
    expect(hit.since.getTime()).toBe(since.getTime())
    expect(hit.since).not.toBe(since)

    const nobody = uniqueToken()
    await cachedSession(nobody, settings, async () => null)
    expect(peekCachedSession(nobody, settings)).toBeUndefined()
  })

  it('keeps nothing between different tokens', async () => {
    const first = await cachedSession(uniqueToken(), settings, async () => ({ id: 1 }))
    const second = await cachedSession(uniqueToken(), settings, async () => ({ id: 2 }))
    expect([first, second]).toEqual([{ id: 1 }, { id: 2 }])
  })

  it('never keeps a missing session or a failure', async () => {
    const token = uniqueToken()
    const load = vi.fn().mockResolvedValueOnce(null).mockRejectedValueOnce(new Error('502')).mockResolvedValue({ id: 3 })
    expect(await cachedSession(token, settings, load)).toBeNull()
    await expect(cachedSession(token, settings, load)).rejects.toThrow('502')
    expect(await cachedSession(token, settings, load)).toEqual({ id: 3 })
    expect(load).toHaveBeenCalledTimes(3)
  })

  it('expires after maxAge, and no later than the token itself', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const opaque = uniqueToken()
    const load = vi.fn(async () => ({ id: 4 }))
    await cachedSession(opaque, settings, load)
    vi.advanceTimersByTime(9_000)
    await cachedSession(opaque, settings, load)
    expect(load).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(1_500)
    await cachedSession(opaque, settings, load)
    expect(load).toHaveBeenCalledTimes(2)

    const shortLived = await jwtExpiringIn(3)
    const loadJwt = vi.fn(async () => ({ id: 5 }))
    await cachedSession(shortLived, settings, loadJwt)
    vi.advanceTimersByTime(3_500)
    await cachedSession(shortLived, settings, loadJwt)
    expect(loadJwt).toHaveBeenCalledTimes(2)

    // What the render's fast path relies on (app/session.ts): no entry answers at the token's `exp`, the moment
    // the server would refresh it.
    const expiring = await jwtExpiringIn(5)
    await cachedSession(expiring, settings, async () => ({ id: 6 }))
    const exp = jwtExpiry(expiring)!
    vi.setSystemTime(exp - 1)
    expect(peekCachedSession(expiring, settings)).toEqual({ session: { id: 6 } })
    vi.setSystemTime(exp)
    expect(peekCachedSession(expiring, settings)).toBeUndefined()
  })

  it('takes no kept answer for a token the issuer\'s clock, learned later, says has expired (the server refreshes from there)', async () => {
    const token = await jwtExpiringIn(300)
    const load = vi.fn(async () => ({ id: 7 }))
    await cachedSession(token, settings, load)
    expect(peekCachedSession(token, settings)).toEqual({ session: { id: 7 } })
    // A refresh's token reveals an issuer ten minutes ahead of this machine: the five-minute token is expired there.
    serverIssuerClock().observe(Date.now() + 600_000)
    try {
      expect(peekCachedSession(token, settings)).toBeUndefined()
      await cachedSession(token, settings, load)
      expect(load).toHaveBeenCalledTimes(2)
    }
    finally {
      serverIssuerClock().observe(Date.now())
    }
  })

  it('forgets a token after a sign-out or a 401', async () => {
    const token = uniqueToken()
    const load = vi.fn(async () => ({ id: 6 }))
    await cachedSession(token, settings, load)
    await forgetCachedSession(token)
    await cachedSession(token, settings, load)
    expect(load).toHaveBeenCalledTimes(2)
  })
})

describe('the session cache shared by a fleet (auth.sharedState)', () => {
  it('a sign-out during a lookup in flight is not undone when the lookup answers', async () => {
    const storage = createStorage()
    const state = { storage, keys: await createSessionKeys(['s'.repeat(32)]), lock: createProcessLock(1000), name: 'memory', lockTtlMs: 1000 }
    setSharedState(Promise.resolve(state))
    try {
      const token = uniqueToken()
      let answer!: (session: unknown) => void
      const lookup = cachedSession(token, settings, () => new Promise((resolve) => {
        answer = resolve
      }))
      // The sign-out lands while the backend is still answering the lookup.
      await vi.waitFor(() => expect(answer).toBeTypeOf('function'))
      await forgetCachedSession(token)
      answer({ user: { name: 'Ada' } })
      expect(await lookup).toEqual({ user: { name: 'Ada' } })
      const keys = await storage.getKeys()
      expect(keys).toHaveLength(1)
      // The fleet's entry is still the sign-out's marker: no instance takes the session from it.
      expect(await readSealed(state, keys[0]!)).toEqual({ forgotten: true })
      const load = vi.fn(async () => null)
      expect(await cachedSession(token, settings, load)).toBeNull()
      expect(load).toHaveBeenCalledTimes(1)
    }
    finally {
      setSharedState(Promise.reject(new Error('test over')))
    }
  })
})

describe('the expiring cache behind it', () => {
  it('stays within its capacity, dropping expired entries first, then the oldest', () => {
    const cache = createExpiringCache<number>(3)
    cache.set('expired', 1, 50, 0)
    cache.set('old', 2, 1000, 0)
    cache.set('newer', 3, 1000, 0)
    cache.set('newest', 4, 1000, 100)
    expect([cache.get('expired', 100), cache.get('old', 100), cache.size]).toEqual([undefined, 2, 3])
    cache.set('one more', 5, 1000, 100)
    expect([cache.get('old', 100), cache.get('newer', 100), cache.get('one more', 100), cache.size]).toEqual([undefined, 3, 5, 3])
  })
})
