import { afterEach, describe, expect, it, vi } from 'vitest'
import { createProcessLock } from '../../src/runtime/server/sessions/lock'

// The session lock's own rules, on the lock of one process (the Redis one is tested on a real Redis in
// test/e2e/redis-lock.test.ts). Fake timers: the lock's expiry and its renewals are all the clock.
describe('a session lock', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('stays with a holder that works longer than the lock time (a slow backend behind slow storage), until it releases', async () => {
    vi.useFakeTimers()
    const lock = createProcessLock(300)
    const release = await lock.acquire('s:1', { renew: true })
    expect(release).toBeTypeOf('function')
    for (let elapsed = 0; elapsed < 1200; elapsed += 200) {
      await vi.advanceTimersByTimeAsync(200)
      expect(await lock.acquire('s:1', { wait: false })).toBeNull()
    }
    await release!()
    // Released: the name is free at once, and the holder's renewals have stopped.
    expect(vi.getTimerCount()).toBe(0)
    const next = await lock.acquire('s:1', { wait: false })
    expect(next).toBeTypeOf('function')
    await next!()
  })

  it('is free once its time is up when the holder died (never released), and after a few lock times when it is stuck', async () => {
    vi.useFakeTimers()
    const lock = createProcessLock(300)
    // A holder that stops renewing (its process died) is what the lock's time is for: a second process's lock
    // lets go after 300 ms.
    const died = createProcessLock(300)
    await died.acquire('s:2', { renew: true })
    expect(await died.acquire('s:2', { wait: false })).toBeNull()
    vi.clearAllTimers()
    await vi.advanceTimersByTimeAsync(301)
    expect(await died.acquire('s:2', { wait: false })).toBeTypeOf('function')

    // A living holder that never finishes keeps the name for a few lock times, not for good.
    await lock.acquire('s:3', { renew: true })
    await vi.advanceTimersByTimeAsync(3 * 300)
    expect(await lock.acquire('s:3', { wait: false })).toBeNull()
    await vi.advanceTimersByTimeAsync(3 * 300)
    expect(await lock.acquire('s:3', { wait: false })).toBeTypeOf('function')
  })

  it('is not renewed unless asked: a holder that keeps a lock to expire on purpose (a shared refresh whose outcome could not be recorded) lets go on time', async () => {
    vi.useFakeTimers()
    const lock = createProcessLock(300)
    await lock.acquire('r:1', { wait: false })
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(301)
    expect(await lock.acquire('r:1', { wait: false })).toBeTypeOf('function')
  })

  it('keeps one holder at a time among waiters, each taking the name once the one before released it', async () => {
    const lock = createProcessLock(1000)
    const order: string[] = []
    let inside = 0
    const hold = async (who: string) => {
      const release = await lock.acquire('s:4')
      inside++
      expect(inside).toBe(1)
      order.push(who)
      await new Promise(resolve => setTimeout(resolve, 5))
      inside--
      await release!()
    }
    await Promise.all(['a', 'b', 'c'].map(hold))
    expect([...order].sort()).toEqual(['a', 'b', 'c'])
  })
})
