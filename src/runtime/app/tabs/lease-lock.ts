/**
 * A lock shared by every tab of one origin, for browsers WITHOUT the Web Locks API (`navigator.locks` needs a
 * secure context, so plain http on a LAN address lacks it, and so do older browsers). It guarantees that two tabs
 * never spend the same rotating refresh token at once: it never degrades to "run unlocked" while tabs can write the
 * storage they share (a full one, at the origin's quota, holds no lease: each tab then runs on its own).
 *
 * How it works:
 * - Tabs share a lease in localStorage (`nuxt-gatekeeper:lease:<name>` → `{ owner, expiresAt }`).
 * - localStorage has no compare-and-set, so acquiring is "write, wait, confirm": write our lease over an absent,
 *   expired or malformed one, wait `settleMs`, read again; only if it is still ours do we hold the lock. When two tabs
 *   write at once, both read back the last write after the wait, so exactly one goes on. This assumes a write reaches
 *   the other tabs within `settleMs` (browsers sync localStorage between tabs within a few milliseconds).
 * - The holder renews the lease every `leaseMs / 3` while its task runs, so a long task keeps it; a tab that closes or
 *   crashes stops renewing and blocks the others only until the lease expires.
 * - Release removes the lease only if it is still ours, then says so on a BroadcastChannel so waiters retry at once.
 *   Waiters also listen to `storage` events and poll every `pollMs`, since either signal may be missing or late.
 * - Calls in the same tab queue behind each other per lock name, so a tab never contends with itself.
 *
 * For the browser only: on the server there are no tabs, and one process-wide queue would serialise unrelated users.
 */

/** The part of `Storage` the lease needs. */
export type LeaseStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

/** The part of `BroadcastChannel` the lease needs. */
export interface LeaseChannel {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  close(): void
}

/** Where `storage` events of other tabs arrive (the window). */
export interface LeaseStorageEvents {
  addEventListener(type: 'storage', listener: (event: { key: string | null }) => void): void
  removeEventListener(type: 'storage', listener: (event: { key: string | null }) => void): void
}

/** Timer functions, injectable so tests can count and stop them. */
export interface LeaseTimers {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export interface LeaseLockOptions {
  /**
   * Storage shared by the tabs. `null`, a missing localStorage or one that throws (Safari private mode, storage
   * disabled) leaves only the per-tab queue.
   * @default localStorage
   */
  storage?: LeaseStorage | null
  /**
   * Clock for lease expiry (tabs of one origin share the machine's clock).
   * @default Date.now
   */
  now?: () => number
  /**
   * How long a lease lasts without renewal: the longest a crashed or closed tab can block the others.
   * @default 10_000
   */
  leaseMs?: number
  /**
   * How long to wait after writing the lease before confirming it is still ours. Must exceed the time a
   * localStorage write takes to reach the other tabs.
   * @default 30
   */
  settleMs?: number
  /**
   * Fallback polling interval while waiting, for when neither the broadcast nor a `storage` event arrives.
   * @default 100
   */
  pollMs?: number
  /**
   * Opens the channel that announces releases; `null` from the factory means no channel (then `storage` events
   * and polling wake the waiters).
   * @default name => new BroadcastChannel(name), when BroadcastChannel exists
   */
  channelFactory?: (name: string) => LeaseChannel | null
  /**
   * Source of `storage` events from other tabs; `null` for none.
   * @default window, when it exists
   */
  storageEvents?: LeaseStorageEvents | null
  /**
   * Timer functions.
   * @default globalThis.setTimeout / globalThis.clearTimeout
   */
  timers?: LeaseTimers
  /**
   * Makes the unique owner id written into a lease.
   * @default a random id from crypto.getRandomValues (crypto.randomUUID needs a secure context)
   */
  id?: () => string
}

export interface LeaseLock {
  /** Runs `task` while holding the lock `name`; the lock is released when the task settles, also when it throws. */
  withLock<T>(name: string, task: () => Promise<T>): Promise<T>
}

interface Lease {
  owner: string
  expiresAt: number
}

const KEY_PREFIX = 'nuxt-gatekeeper:lease:'
const CHANNEL_NAME = 'nuxt-gatekeeper:lease'

// Written for size as much as for clarity: this chunk is what browsers without Web Locks download on top.

function defaultChannel(name: string): LeaseChannel | null {
  return typeof BroadcastChannel === 'function' ? new BroadcastChannel(name) : null
}

function defaultStorage(): LeaseStorage | null {
  // Merely reading `localStorage` throws where storage is disabled (SecurityError).
  try {
    return typeof localStorage === 'undefined' ? null : localStorage
  }
  catch {
    return null
  }
}

/** How far past a full lease a stored one may end before it counts as written by a clock since set back. */
const CLOCK_SLACK_MS = 1000

// getRandomValues, unlike randomUUID, works outside secure contexts too: where this file mostly runs (a page on
// plain http has no Web Locks; the rest are browsers older than Web Locks).
const randomId = () => Array.from(crypto.getRandomValues(new Uint32Array(4)), n => n.toString(36)).join('-')

/**
 * A lease as stored, or null when absent or malformed (a malformed one may be overwritten like an absent one).
 * A storage that throws throws here: callers decide whether that ends sharing or waits for the next try.
 */
function readLease(storage: LeaseStorage, key: string): Lease | null {
  const raw = storage.getItem(key)
  try {
    // JSON.parse(null) is null: an absent lease.
    const lease = JSON.parse(raw!) as Partial<Lease> | null
    return typeof lease?.owner === 'string' && lease.owner && Number.isFinite(lease.expiresAt) ? lease as Lease : null
  }
  catch {
    return null
  }
}

/** Creates a lock instance: one per tab (its queue is what serialises calls within the tab). */
export function createLeaseLock(options: LeaseLockOptions = {}): LeaseLock {
  const { leaseMs = 10_000, settleMs = 30, pollMs = 100, now = Date.now, id = randomId, channelFactory = defaultChannel } = options
  // Looked up on globalThis at each call, so fake timers installed later still apply.
  const timers = options.timers ?? globalThis as unknown as LeaseTimers
  const storageEvents = options.storageEvents !== undefined
    ? options.storageEvents
    : (typeof window === 'undefined' ? null : window as LeaseStorageEvents)
  const renewEvery = Math.max(1, Math.floor(leaseMs / 3))
  // Tail of each lock name's queue in this tab.
  const tails = new Map<string, Promise<void>>()

  function openChannel(): LeaseChannel | null {
    try {
      return channelFactory(CHANNEL_NAME)
    }
    catch {
      return null
    }
  }

  function writeLease(storage: LeaseStorage, key: string, owner: string): void {
    storage.setItem(key, JSON.stringify({ owner, expiresAt: now() + leaseMs } satisfies Lease))
  }

  /** Waits until this tab holds the lease; returns its owner id. Throws if storage throws. */
  async function acquire(storage: LeaseStorage, name: string, key: string): Promise<string> {
    const owner = id()
    // A waiter wakes on whichever comes first: a release broadcast, a `storage` event for the key (null: another
    // tab's storage.clear()), or its timeout. The listeners live for the whole acquisition and the lease is read
    // again after every wake, so a signal arriving between two waits is never lost.
    let wake = () => {}
    const onMessage = (event: { data: unknown }) => (event.data as { name?: unknown } | null)?.name === name && wake()
    const onStorage = (event: { key: string | null }) => (event.key === key || event.key === null) && wake()
    let channel: LeaseChannel | null | undefined
    // A lease ending further ahead than any holder writes one: written before the clock went back (an NTP step, a VM
    // restored). Its holder, if alive, rewrites it by the new clock at its next renewal; one left unchanged for longer
    // than that (timed by this tab's own waits, not by the clock that jumped) was left by a tab that is gone.
    let aheadOfClock = null as { owner: string, expiresAt: number, waitedMs: number } | null
    try {
      for (;;) {
        const lease = readLease(storage, key)
        const time = now()
        const ahead = lease !== null && lease.expiresAt - time > leaseMs + CLOCK_SLACK_MS ? lease : null
        if (!ahead) aheadOfClock = null
        else if (aheadOfClock?.owner !== ahead.owner || aheadOfClock.expiresAt !== ahead.expiresAt) aheadOfClock = { owner: ahead.owner, expiresAt: ahead.expiresAt, waitedMs: 0 }
        const abandoned = aheadOfClock !== null && aheadOfClock.waitedMs > renewEvery + CLOCK_SLACK_MS
        if (!lease || lease.expiresAt <= time || abandoned) {
          writeLease(storage, key, owner)
          // Another tab may have written in the same moment: after the wait, every tab reads the same last write.
          await new Promise<void>(resolve => timers.setTimeout(resolve, settleMs))
          // Ours, and not run out while this tab waited (a hidden tab's timers are throttled, a frozen one's stop):
          // another tab takes an expired lease. Left long enough that the first renewal comes before it ends.
          const confirmed = readLease(storage, key)
          if (confirmed?.owner === owner && confirmed.expiresAt - now() > renewEvery) return owner
          continue
        }
        if (channel === undefined) {
          channel = openChannel()
          channel?.addEventListener('message', onMessage)
          storageEvents?.addEventListener('storage', onStorage)
        }
        let timer: unknown
        // Never sleep past the lease's expiry: a crashed holder must not block longer than its lease.
        const waitMs = Math.max(1, Math.min(pollMs, lease.expiresAt - time))
        const timedOut = await new Promise<boolean>((resolve) => {
          wake = () => resolve(false)
          timer = timers.setTimeout(() => resolve(true), waitMs)
        })
        timers.clearTimeout(timer)
        // Only a wait its timer ended surely lasted that long (a woken one, maybe not).
        if (aheadOfClock && timedOut) aheadOfClock.waitedMs += waitMs
      }
    }
    finally {
      if (channel !== undefined) {
        channel?.removeEventListener('message', onMessage)
        channel?.close()
        storageEvents?.removeEventListener('storage', onStorage)
      }
    }
  }

  /** Renews our lease while the task runs; returns the function that stops renewing. */
  function keepLease(storage: LeaseStorage, key: string, owner: string): () => void {
    let timer: unknown
    const renew = () => {
      try {
        // Lost it (we stalled past expiry and another tab took it): never steal it back.
        if (readLease(storage, key)?.owner !== owner) return
        writeLease(storage, key, owner)
      }
      catch {
        // A failing read or write (quota) may pass; try again at the next renewal.
      }
      timer = timers.setTimeout(renew, renewEvery)
    }
    timer = timers.setTimeout(renew, renewEvery)
    return () => timers.clearTimeout(timer)
  }

  function release(storage: LeaseStorage, name: string, key: string, owner: string): void {
    try {
      // Only our own: if we lost the lease, the tab now holding it must keep it.
      if (readLease(storage, key)?.owner === owner) storage.removeItem(key)
    }
    catch {
      // Storage broke meanwhile; the lease then ends at its expiry.
    }
    const channel = openChannel()
    try {
      // Messages already posted are still delivered after close().
      channel?.postMessage({ type: 'released', name })
    }
    catch {
      // No broadcast: waiters still see the `storage` event or poll.
    }
    finally {
      channel?.close()
    }
  }

  async function runShared<T>(name: string, task: () => Promise<T>): Promise<T> {
    const storage = options.storage !== undefined ? options.storage : defaultStorage()
    const key = KEY_PREFIX + name
    // Storage that throws (Safari private mode, disabled, quota) shares nothing with the other tabs either; the
    // per-tab queue this runs in is all the exclusion left.
    const owner = storage && await acquire(storage, name, key).catch(() => null)
    if (!owner) return await task()
    const stopRenewing = keepLease(storage!, key, owner)
    try {
      return await task()
    }
    finally {
      stopRenewing()
      release(storage!, name, key, owner)
    }
  }

  function withLock<T>(name: string, task: () => Promise<T>): Promise<T> {
    const run = (tails.get(name) ?? Promise.resolve()).then(() => runShared(name, task))
    // The queue goes on whether a task succeeds or fails; the last one out removes the entry.
    const tail = run.then(() => {}, () => {})
    tails.set(name, tail)
    void tail.then(() => tails.get(name) === tail && tails.delete(name))
    return run
  }

  return { withLock }
}

let tabLock: LeaseLock | undefined

/** Runs `task` while holding the lock `name`, shared by all tabs of this origin through localStorage (see the top of this file). */
export function withLeaseLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  return (tabLock ??= createLeaseLock()).withLock(name, task)
}
