/**
 * A lock shared by every tab of one origin, for browsers WITHOUT the Web Locks API (`navigator.locks` needs a
 * secure context, so plain http on a LAN address lacks it, and so do older browsers). It guarantees that two tabs
 * never spend the same rotating refresh token at once: it never degrades to "run unlocked" while tabs share storage.
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
   * @default random id from crypto.getRandomValues (crypto.randomUUID needs a secure context), else Math.random
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
const RELEASED = 'released'

const defaultTimers: LeaseTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: handle => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

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

function randomId(): string {
  const crypto = globalThis.crypto
  if (typeof crypto?.getRandomValues === 'function') {
    return Array.from(crypto.getRandomValues(new Uint32Array(4)), n => n.toString(36)).join('-')
  }
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`
}

/** A lease as stored, or null when absent or malformed (a malformed one may be overwritten like an absent one). */
function readLease(storage: LeaseStorage, key: string): Lease | null {
  const raw = storage.getItem(key)
  if (!raw) return null
  try {
    const value: unknown = JSON.parse(raw)
    if (typeof value !== 'object' || value === null) return null
    const { owner, expiresAt } = value as Record<string, unknown>
    if (typeof owner !== 'string' || !owner || typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return null
    return { owner, expiresAt }
  }
  catch {
    return null
  }
}

/** Creates a lock instance: one per tab (its queue is what serialises calls within the tab). */
export function createLeaseLock(options: LeaseLockOptions = {}): LeaseLock {
  const leaseMs = options.leaseMs ?? 10_000
  const settleMs = options.settleMs ?? 30
  const pollMs = options.pollMs ?? 100
  const now = options.now ?? (() => Date.now())
  const timers = options.timers ?? defaultTimers
  const newId = options.id ?? randomId
  const channelFactory = options.channelFactory ?? defaultChannel
  const storageEvents = options.storageEvents !== undefined
    ? options.storageEvents
    : (typeof window === 'undefined' ? null : window as LeaseStorageEvents)
  // Tail of each lock name's queue in this tab.
  const tails = new Map<string, Promise<void>>()

  const sleep = (ms: number) => new Promise<void>(resolve => timers.setTimeout(resolve, ms))

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

  /**
   * Wakes a waiter on whichever comes first: a release broadcast, a `storage` event for the key, or a timeout.
   * Listeners live for one acquisition and are removed by `close`.
   */
  function openWaiter(name: string, key: string) {
    let wake: (() => void) | null = null
    let timer: unknown
    const fire = () => {
      if (timer !== undefined) timers.clearTimeout(timer)
      timer = undefined
      const resolve = wake
      wake = null
      resolve?.()
    }
    const onMessage = (event: { data: unknown }) => {
      const data = event.data as { type?: unknown, name?: unknown } | null
      if (data?.type === RELEASED && data.name === name) fire()
    }
    // key null: storage.clear() in another tab.
    const onStorage = (event: { key: string | null }) => {
      if (event.key === key || event.key === null) fire()
    }
    const channel = openChannel()
    channel?.addEventListener('message', onMessage)
    storageEvents?.addEventListener('storage', onStorage)
    return {
      // The caller re-reads the lease after every wake, so a signal arriving between waits is never lost.
      next: (ms: number) => new Promise<void>((resolve) => {
        wake = resolve
        timer = timers.setTimeout(fire, ms)
      }),
      close: () => {
        if (timer !== undefined) timers.clearTimeout(timer)
        timer = undefined
        wake = null
        channel?.removeEventListener('message', onMessage)
        channel?.close()
        storageEvents?.removeEventListener('storage', onStorage)
      },
    }
  }

  /** Waits until this tab holds the lease; returns its owner id. Throws if storage throws. */
  async function acquire(storage: LeaseStorage, name: string, key: string): Promise<string> {
    const owner = newId()
    let waiter: ReturnType<typeof openWaiter> | undefined
    try {
      for (;;) {
        const lease = readLease(storage, key)
        const time = now()
        if (!lease || lease.expiresAt <= time) {
          writeLease(storage, key, owner)
          // Another tab may have written in the same moment: after the wait, every tab reads the same last write.
          await sleep(settleMs)
          if (readLease(storage, key)?.owner === owner) return owner
          continue
        }
        waiter ??= openWaiter(name, key)
        // Never sleep past the lease's expiry: a crashed holder must not block longer than its lease.
        await waiter.next(Math.max(1, Math.min(pollMs, lease.expiresAt - time)))
      }
    }
    finally {
      waiter?.close()
    }
  }

  /** Renews our lease while the task runs; returns the function that stops renewing. */
  function keepLease(storage: LeaseStorage, key: string, owner: string): () => void {
    let timer: unknown
    const renew = () => {
      timer = undefined
      try {
        // Lost it (we stalled past expiry and another tab took it): never steal it back.
        if (readLease(storage, key)?.owner !== owner) return
        writeLease(storage, key, owner)
      }
      catch {
        // A failing write (quota) may pass; try again at the next renewal.
      }
      timer = timers.setTimeout(renew, Math.max(1, Math.floor(leaseMs / 3)))
    }
    timer = timers.setTimeout(renew, Math.max(1, Math.floor(leaseMs / 3)))
    return () => {
      if (timer !== undefined) timers.clearTimeout(timer)
      timer = undefined
    }
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
    if (!channel) return
    try {
      // Messages already posted are still delivered after close().
      channel.postMessage({ type: RELEASED, name })
    }
    catch {
      // No broadcast: waiters still see the `storage` event or poll.
    }
    finally {
      channel.close()
    }
  }

  async function runShared<T>(name: string, task: () => Promise<T>): Promise<T> {
    const storage = options.storage !== undefined ? options.storage : defaultStorage()
    const key = KEY_PREFIX + name
    let owner: string | null = null
    if (storage) {
      try {
        owner = await acquire(storage, name, key)
      }
      catch {
        // Storage throws (Safari private mode, disabled, quota): there is no shared storage, so nothing can be shared
        // with the other tabs either; the per-tab queue this runs in is all the exclusion left.
        owner = null
      }
    }
    if (!storage || owner === null) return await task()
    const stopRenewing = keepLease(storage, key, owner)
    try {
      return await task()
    }
    finally {
      stopRenewing()
      release(storage, name, key, owner)
    }
  }

  function withLock<T>(name: string, task: () => Promise<T>): Promise<T> {
    const previous = tails.get(name) ?? Promise.resolve()
    const run = previous.then(() => runShared(name, task))
    // The queue goes on whether a task succeeds or fails; the last one out removes the entry.
    const tail = run.then(() => {}, () => {})
    tails.set(name, tail)
    void tail.then(() => {
      if (tails.get(name) === tail) tails.delete(name)
    })
    return run
  }

  return { withLock }
}

let defaultLock: LeaseLock | undefined
const locksByOptions = new WeakMap<LeaseLockOptions, LeaseLock>()

/**
 * Runs `task` while holding the lock `name`, shared by all tabs of this origin through localStorage (see the top of
 * this file). Calls without options share one instance per tab; calls passing the same options object share one
 * instance for those options (a different object gets its own queue, and still excludes the others through the lease).
 */
export function withLeaseLock<T>(name: string, task: () => Promise<T>, options?: LeaseLockOptions): Promise<T> {
  let lock: LeaseLock
  if (!options) {
    lock = defaultLock ??= createLeaseLock()
  }
  else {
    lock = locksByOptions.get(options) ?? createLeaseLock(options)
    locksByOptions.set(options, lock)
  }
  return lock.withLock(name, task)
}
