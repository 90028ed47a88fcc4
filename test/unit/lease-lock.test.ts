import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createLeaseLock, withLeaseLock, type LeaseChannel, type LeaseLockOptions, type LeaseStorage, type LeaseStorageEvents, type LeaseTimers } from '../../src/runtime/app/tabs/lease-lock'

// Several "tabs" in one process: each has its own lock instance, timers, listeners and view of localStorage; they
// share one in-memory storage and one broadcast bus. Time is vitest's fake clock, so every delay is exact.

const KEY = 'nuxt-gatekeeper:lease:refresh'
type StorageListener = (event: { key: string | null }) => void
type MessageListener = (event: { data: unknown }) => void

interface Tab {
  options: LeaseLockOptions
  withLock: <T>(task: () => Promise<T>) => Promise<T>
  view: Map<string, string>
  /** Timers and listeners this tab still has (0 after all its locks are released). */
  pending: () => { timers: number, storageListeners: number, channels: number, messageListeners: number }
  /** The tab dies: its timers stop and its listeners go, but its lease stays in storage. */
  crash: () => void
}

/**
 * `latencyMs`: how long a write takes to reach the other tabs. Like a browser, a write is visible in its own tab at
 * once and elsewhere later (each view then applies the writes in one global order, so all views end up equal), and
 * the other tabs get a `storage` event when it arrives.
 */
function createWorld({ latencyMs = 0 } = {}) {
  const tabs: Array<{ view: Map<string, string>, storageListeners: Set<StorageListener>, alive: () => boolean }> = []
  const channels = new Set<{ listeners: Set<MessageListener>, closed: boolean }>()

  function propagate(from: Map<string, string>, key: string, value: string | null) {
    const apply = () => {
      for (const tab of tabs) {
        if (value === null) tab.view.delete(key)
        else tab.view.set(key, value)
      }
    }
    const notify = () => {
      for (const tab of tabs) {
        if (tab.view !== from && tab.alive()) for (const listener of [...tab.storageListeners]) listener({ key })
      }
    }
    if (latencyMs === 0) {
      apply()
      setTimeout(notify, 0)
    }
    else {
      setTimeout(() => {
        apply()
        notify()
      }, latencyMs)
    }
  }

  function addTab(overrides: LeaseLockOptions = {}): Tab {
    const view = new Map(tabs[0]?.view ?? [])
    const storageListeners = new Set<StorageListener>()
    const ownChannels = new Set<{ listeners: Set<MessageListener>, closed: boolean }>()
    const activeTimers = new Set<ReturnType<typeof setTimeout>>()
    let alive = true
    tabs.push({ view, storageListeners, alive: () => alive })

    const storage: LeaseStorage = {
      getItem: key => view.get(key) ?? null,
      setItem: (key, value) => {
        view.set(key, value)
        propagate(view, key, value)
      },
      removeItem: (key) => {
        view.delete(key)
        propagate(view, key, null)
      },
    }
    const timers: LeaseTimers = {
      setTimeout: (callback, ms) => {
        if (!alive) return undefined
        const handle = setTimeout(() => {
          activeTimers.delete(handle)
          callback()
        }, ms)
        activeTimers.add(handle)
        return handle
      },
      clearTimeout: (handle) => {
        const timer = handle as ReturnType<typeof setTimeout>
        if (activeTimers.delete(timer)) clearTimeout(timer)
      },
    }
    const storageEvents: LeaseStorageEvents = {
      addEventListener: (_type, listener) => void storageListeners.add(listener),
      removeEventListener: (_type, listener) => void storageListeners.delete(listener),
    }
    const channelFactory = (): LeaseChannel => {
      const self = { listeners: new Set<MessageListener>(), closed: false }
      channels.add(self)
      ownChannels.add(self)
      return {
        postMessage: (data) => {
          // Like BroadcastChannel: delivered later, to every other open channel (also in the same tab).
          for (const other of channels) {
            if (other === self) continue
            setTimeout(() => {
              if (!other.closed && alive) for (const listener of [...other.listeners]) listener({ data })
            }, 0)
          }
        },
        addEventListener: (_type, listener) => void self.listeners.add(listener),
        removeEventListener: (_type, listener) => void self.listeners.delete(listener),
        close: () => {
          self.closed = true
          channels.delete(self)
          ownChannels.delete(self)
        },
      }
    }
    const options: LeaseLockOptions = {
      storage,
      timers,
      storageEvents,
      channelFactory,
      now: () => Date.now(),
      leaseMs: 1_000,
      settleMs: 30,
      pollMs: 100,
      ...overrides,
    }
    const lock = createLeaseLock(options)
    return {
      options,
      view,
      withLock: task => lock.withLock('refresh', task),
      pending: () => ({
        timers: activeTimers.size,
        storageListeners: storageListeners.size,
        channels: ownChannels.size,
        messageListeners: [...ownChannels].reduce((sum, channel) => sum + channel.listeners.size, 0),
      }),
      crash: () => {
        alive = false
        for (const handle of activeTimers) clearTimeout(handle)
        activeTimers.clear()
        storageListeners.clear()
        for (const channel of ownChannels) channel.listeners.clear()
      },
    }
  }

  return { addTab }
}

/** Deterministic random numbers (mulberry32), so a failure can be replayed. */
function seeded(seed: number) {
  return () => {
    seed = (seed + 0x6D2B79F5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const delay = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms))

/** Advances the fake clock until `promise` settles (fails instead of hanging on a deadlock). */
async function drive<T>(promise: Promise<T>, limitMs = 600_000): Promise<T> {
  let done = false
  const settled = promise.then(() => (done = true), () => (done = true))
  const start = Date.now()
  while (!done) {
    if (Date.now() - start > limitMs) throw new Error(`still pending after ${limitMs} ms`)
    await vi.advanceTimersByTimeAsync(5)
  }
  await settled
  return promise
}

/** Counts who is inside the lock at once. */
function tracker() {
  let inside = 0
  let most = 0
  const log: Array<{ who: string, start: number, end: number }> = []
  return {
    get most() {
      return most
    },
    log,
    task: (who: string, work: () => Promise<void>) => async () => {
      inside++
      most = Math.max(most, inside)
      const start = Date.now()
      try {
        await work()
      }
      finally {
        inside--
        log.push({ who, start, end: Date.now() })
      }
      return who
    },
  }
}

function expectIdle(...tabs: Tab[]) {
  for (const tab of tabs) expect(tab.pending()).toEqual({ timers: 0, storageListeners: 0, channels: 0, messageListeners: 0 })
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('mutual exclusion across tabs', () => {
  it.each([
    { seed: 1, latencyMs: 0 },
    { seed: 2, latencyMs: 0 },
    { seed: 3, latencyMs: 5 },
    { seed: 4, latencyMs: 12 },
  ])('3 tabs × 20 tasks with random delays: never two inside, each task runs once, in order per tab (seed $seed, storage latency $latencyMs ms)', async ({ seed, latencyMs }) => {
    const random = seeded(seed)
    const world = createWorld({ latencyMs })
    const tabs = [world.addTab(), world.addTab(), world.addTab()]
    const t = tracker()
    const runs = new Map<string, number>()
    const calls: Array<Promise<string>> = []
    tabs.forEach((tab, index) => {
      for (let n = 0; n < 20; n++) {
        const who = `tab${index}#${n}`
        const start = Math.floor(random() * 400)
        const steps = [random() * 15, random() * 15].map(Math.floor)
        calls.push(delay(start).then(() => tab.withLock(t.task(who, async () => {
          runs.set(who, (runs.get(who) ?? 0) + 1)
          for (const ms of steps) await delay(ms)
        }))))
      }
    })

    const results = await drive(Promise.all(calls))

    expect(t.most).toBe(1)
    expect(runs.size).toBe(60)
    expect([...runs.values()].every(count => count === 1)).toBe(true)
    expect(new Set(results).size).toBe(60)
    // Each task ended before the next one started, whichever tab it was in.
    const ordered = [...t.log].sort((a, b) => a.start - b.start)
    for (let i = 1; i < ordered.length; i++) expect(ordered[i]!.start).toBeGreaterThanOrEqual(ordered[i - 1]!.end)
    expect(tabs[0]!.view.has(KEY)).toBe(false)
    expectIdle(...tabs)
  })

  it('two tabs writing the lease in the same tick: only one goes on, the other waits for its release', async () => {
    // With 5 ms storage latency both tabs read "no lease" and both write; the confirm after settleMs decides.
    const world = createWorld({ latencyMs: 5 })
    const a = world.addTab()
    const b = world.addTab()
    const t = tracker()
    const work = () => delay(200)

    const both = Promise.all([a.withLock(t.task('a', work)), b.withLock(t.task('b', work))])
    // Both wrote before either saw the other's lease.
    await vi.advanceTimersByTimeAsync(1)
    expect(a.view.get(KEY)).toContain('"owner"')
    expect(b.view.get(KEY)).toContain('"owner"')
    expect(a.view.get(KEY)).not.toBe(b.view.get(KEY))
    await drive(both)

    expect(t.most).toBe(1)
    expect(t.log.map(entry => entry.who).sort()).toEqual(['a', 'b'])
    const [first, second] = t.log
    expect(second!.start).toBeGreaterThanOrEqual(first!.end)
    expectIdle(a, b)
  })

  it('calls in one tab queue in order and never contend with each other (one owner id per acquisition)', async () => {
    const world = createWorld()
    let ids = 0
    const tab = world.addTab({ id: () => `owner-${++ids}` })
    const t = tracker()
    const order: number[] = []
    const calls = [0, 1, 2, 3].map(n => tab.withLock(t.task(`#${n}`, async () => {
      order.push(n)
      await delay(50)
    })))
    await drive(Promise.all(calls))
    expect(order).toEqual([0, 1, 2, 3])
    expect(t.most).toBe(1)
    expect(ids).toBe(4)
    expectIdle(tab)
  })
})

describe('lease lifetime', () => {
  it('a tab that crashes while holding the lease blocks the others only until the lease expires', async () => {
    const world = createWorld()
    const a = world.addTab({ leaseMs: 1_000 })
    const b = world.addTab({ leaseMs: 1_000 })
    let acquiredAt = 0
    void a.withLock(() => {
      acquiredAt = Date.now()
      return new Promise<never>(() => {}) // never settles
    })
    await vi.advanceTimersByTimeAsync(30)
    expect(acquiredAt).toBeGreaterThan(0)
    const lease = JSON.parse(a.view.get(KEY)!) as { expiresAt: number }
    a.crash()

    let startedAt = 0
    await drive(b.withLock(async () => {
      startedAt = Date.now()
    }))

    expect(lease.expiresAt).toBe(acquiredAt - 30 + 1_000)
    expect(startedAt).toBeGreaterThanOrEqual(lease.expiresAt)
    // Woken at expiry (not a poll later), plus the settle wait.
    expect(startedAt).toBeLessThanOrEqual(lease.expiresAt + 30 + 5)
    expectIdle(b)
  })

  it('a tab whose wait to confirm outlasts its lease (a throttled or frozen background tab) does not take the lock with it', async () => {
    vi.useRealTimers()
    const entries = new Map<string, string>()
    const storage: LeaseStorage = { getItem: key => entries.get(key) ?? null, setItem: (key, value) => void entries.set(key, value), removeItem: key => void entries.delete(key) }
    let clock = 0
    // Tab A's timers fire only when the test says so.
    const pending: Array<() => void> = []
    const frozen: LeaseTimers = { setTimeout: (callback) => {
      pending.push(callback)
      return pending.length
    }, clearTimeout: () => {} }
    const common = { storage, now: () => clock, channelFactory: () => null, storageEvents: null }
    const tabA = createLeaseLock({ ...common, timers: frozen, id: () => 'A' })
    const tabB = createLeaseLock({ ...common, id: () => 'B' })
    let holders = 0
    let most = 0
    const hold = (release: Promise<void>) => async () => {
      most = Math.max(most, ++holders)
      await release
      holders--
    }
    let releaseA!: () => void
    const aRunning = tabA.withLock('refresh', hold(new Promise<void>(resolve => (releaseA = resolve))))
    await new Promise(resolve => setTimeout(resolve, 0))
    // A wrote its lease (10 s) and waits 30 ms to confirm it, a wait the browser stretches to a minute.
    expect(pending).toHaveLength(1)
    clock = 60_000
    pending.shift()!()
    await new Promise(resolve => setTimeout(resolve, 0))
    // B asks at the same moment: it finds the lease expired, as A should have.
    const bRunning = tabB.withLock('refresh', hold(Promise.resolve()))
    await new Promise(resolve => setTimeout(resolve, 100))
    releaseA()
    for (let round = 0; round < 20 && pending.length > 0; round++) {
      pending.shift()!()
      await new Promise(resolve => setTimeout(resolve, 40))
    }
    await Promise.all([aRunning, bRunning])
    expect(most).toBe(1)
  })

  it('renewal keeps the lease of a task that runs many times longer than the lease', async () => {
    const world = createWorld()
    const a = world.addTab({ leaseMs: 1_000 })
    const b = world.addTab({ leaseMs: 1_000, pollMs: 60_000 })
    const t = tracker()
    const long = a.withLock(t.task('a', () => delay(5_000)))
    await vi.advanceTimersByTimeAsync(40)
    const blocked = b.withLock(t.task('b', async () => {}))
    await vi.advanceTimersByTimeAsync(4_000)
    const lease = JSON.parse(a.view.get(KEY)!) as { expiresAt: number }
    expect(lease.expiresAt).toBeGreaterThan(Date.now())
    expect(t.log).toEqual([])

    await drive(Promise.all([long, blocked]))
    expect(t.most).toBe(1)
    const [first, second] = t.log
    expect(first!.who).toBe('a')
    // b was woken by the release (broadcast, storage event), not its 1-minute poll: only the settle wait in between.
    expect(second!.start - first!.end).toBeLessThanOrEqual(30 + 5)
    expectIdle(a, b)
  })

  it('without storage events, the release broadcast wakes the waiter', async () => {
    const world = createWorld()
    const a = world.addTab({ storageEvents: null })
    const b = world.addTab({ storageEvents: null, pollMs: 60_000 })
    const t = tracker()
    const first = a.withLock(t.task('a', () => delay(300)))
    await vi.advanceTimersByTimeAsync(40)
    await drive(Promise.all([first, b.withLock(t.task('b', async () => {}))]))
    expect(t.log[1]!.start - t.log[0]!.end).toBeLessThanOrEqual(30 + 5)
    expectIdle(a, b)
  })

  it('without a broadcast channel, the storage event wakes the waiter', async () => {
    const world = createWorld()
    const a = world.addTab({ channelFactory: () => null })
    const b = world.addTab({ channelFactory: () => null, pollMs: 60_000 })
    const t = tracker()
    const first = a.withLock(t.task('a', () => delay(300)))
    await vi.advanceTimersByTimeAsync(40)
    await drive(Promise.all([first, b.withLock(t.task('b', async () => {}))]))
    expect(t.log[1]!.start - t.log[0]!.end).toBeLessThanOrEqual(30 + 5)
    expectIdle(a, b)
  })

  it('with neither broadcast nor storage events, polling still wakes the waiter', async () => {
    const world = createWorld()
    const a = world.addTab({ channelFactory: () => null, storageEvents: null })
    const b = world.addTab({ channelFactory: () => null, storageEvents: null, pollMs: 100 })
    const t = tracker()
    const first = a.withLock(t.task('a', () => delay(300)))
    await vi.advanceTimersByTimeAsync(40)
    await drive(Promise.all([first, b.withLock(t.task('b', async () => {}))]))
    expect(t.most).toBe(1)
    expect(t.log[1]!.start - t.log[0]!.end).toBeLessThanOrEqual(100 + 30 + 5)
    expectIdle(a, b)
  })

  it('takes over an expired or malformed lease', async () => {
    const world = createWorld()
    const tab = world.addTab()
    for (const stale of [JSON.stringify({ owner: 'gone', expiresAt: Date.now() - 1 }), '{not json', JSON.stringify({ owner: 42 })]) {
      tab.view.set(KEY, stale)
      let ran = false
      await drive(tab.withLock(async () => {
        ran = true
        expect(JSON.parse(tab.view.get(KEY)!)).toMatchObject({ expiresAt: Date.now() + 1_000 - 30 })
      }))
      expect(ran).toBe(true)
      expect(tab.view.has(KEY)).toBe(false)
    }
  })
})

describe('a clock set back', () => {
  it('a lease ending further ahead than a full lease, left unchanged past a renewal (its tab is gone), is taken over then, not an hour later', async () => {
    const world = createWorld()
    const tab = world.addTab({ leaseMs: 1_000 })
    // Left by a tab that closed mid-refresh, before the clock was set back an hour.
    tab.view.set(KEY, JSON.stringify({ owner: 'before-the-step', expiresAt: Date.now() + 3_600_000 }))
    let ranAt = 0
    const start = Date.now()
    await drive(tab.withLock(async () => {
      ranAt = Date.now()
    }))
    // A renewal comes every third of the lease (333 ms), plus a second's slack: unchanged past that, it is abandoned.
    expect(ranAt - start).toBeGreaterThan(1_333)
    expect(ranAt - start).toBeLessThan(2_000)
  })

  it('a live holder when the clock steps back keeps the lock: its renewal rewrites the lease by the new clock', async () => {
    const world = createWorld()
    const holder = world.addTab({ leaseMs: 1_000 })
    const waiter = world.addTab({ leaseMs: 1_000 })
    let inside = 0
    let most = 0
    const task = (ms: number) => async () => {
      inside++
      most = Math.max(most, inside)
      await new Promise(resolve => setTimeout(resolve, ms))
      inside--
    }
    const holding = holder.withLock(task(5_000))
    await vi.advanceTimersByTimeAsync(100)
    expect(inside).toBe(1)
    // An NTP step: the clock goes back an hour while the holder is inside; its lease now ends an hour ahead.
    vi.setSystemTime(Date.now() - 3_600_000)
    let waiterRanAt = 0
    const waiting = waiter.withLock(async () => {
      waiterRanAt = Date.now()
      await task(10)()
    })
    await drive(Promise.all([holding, waiting]))
    expect(most).toBe(1)
    expect(waiterRanAt).toBeGreaterThan(0)
    expectIdle(holder)
    expectIdle(waiter)
  })
})

describe('release', () => {
  it('happens when the task throws: the error reaches the caller and the next tab gets the lock at once', async () => {
    const world = createWorld()
    const a = world.addTab()
    const b = world.addTab({ pollMs: 60_000 })
    const failing = a.withLock(async () => {
      await delay(100)
      throw new Error('refresh failed')
    })
    const failed = expect(failing).rejects.toThrow('refresh failed')
    await vi.advanceTimersByTimeAsync(40)
    let startedAt = 0
    await drive(b.withLock(async () => {
      startedAt = Date.now()
    }))
    await failed
    // a held it from 30 ms (settle) to 130 ms (throw); b, woken by the release, adds only its settle wait.
    const t0 = 1_700_000_000_000
    expect(startedAt).toBeGreaterThanOrEqual(t0 + 130)
    expect(startedAt).toBeLessThanOrEqual(t0 + 130 + 30 + 5)
    expect(a.view.has(KEY)).toBe(false)
    // The tab's own queue goes on after a failure.
    await expect(drive(a.withLock(async () => 'next'))).resolves.toBe('next')
    expectIdle(a, b)
  })

  it('removes only our own lease, and renewal never takes back a lease another tab holds', async () => {
    const world = createWorld()
    const a = world.addTab({ leaseMs: 1_000 })
    const intruder = JSON.stringify({ owner: 'other-tab', expiresAt: Date.now() + 60_000 })
    const done = a.withLock(async () => {
      // We stalled, the lease expired, and another tab took it over.
      a.view.set(KEY, intruder)
      await delay(2_000) // several renewal periods
      expect(a.view.get(KEY)).toBe(intruder)
    })
    await drive(done)
    expect(a.view.get(KEY)).toBe(intruder)
    expectIdle(a)
  })
})

describe('without shared storage', () => {
  const throwing: LeaseStorage = {
    getItem: () => {
      throw new DOMException('denied', 'SecurityError')
    },
    setItem: () => {
      throw new DOMException('full', 'QuotaExceededError')
    },
    removeItem: () => {
      throw new DOMException('denied', 'SecurityError')
    },
  }
  const readOnly: LeaseStorage = { getItem: () => null, setItem: throwing.setItem, removeItem: throwing.removeItem }

  it.each([
    { label: 'storage that throws', storage: throwing },
    { label: 'storage that cannot be written (quota)', storage: readOnly },
    { label: 'no storage', storage: null },
  ])('$label: tasks still run, serialised within the tab', async ({ storage }) => {
    const world = createWorld()
    const tab = world.addTab({ storage })
    const t = tracker()
    const order: number[] = []
    const calls = [0, 1, 2, 3, 4].map(n => tab.withLock(t.task(`#${n}`, async () => {
      order.push(n)
      await delay(10 + (n % 2) * 20)
      if (n === 2) throw new Error('boom')
    })).catch(() => 'failed'))
    const results = await drive(Promise.all(calls))
    expect(results).toEqual(['#0', '#1', 'failed', '#3', '#4'])
    expect(order).toEqual([0, 1, 2, 3, 4])
    expect(t.most).toBe(1)
    expectIdle(tab)
  })
})

describe('withLeaseLock', () => {
  it('one lock per tab: without localStorage (node) it still serialises the tab\'s calls', async () => {
    const t = tracker()
    const calls = [0, 1, 2].map(n => withLeaseLock('refresh', t.task(`#${n}`, () => delay(20))))
    await expect(drive(Promise.all(calls))).resolves.toEqual(['#0', '#1', '#2'])
    expect(t.most).toBe(1)
  })
})
