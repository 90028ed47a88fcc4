import { createExpiringCache } from '../../shared/expiring-cache'

/**
 * Session records kept in memory between requests, so a request reads its session from the storage once per change,
 * not once per page. The store reads through a memo only when a request arrives (store.ts, `recent`), and forgets
 * every record it writes or removes. Which memo a service gets depends on who else can change its records:
 * - the module's memory storage: nobody (one process, every write goes through the store): `processRecords`;
 * - Redis: other instances, and Redis's own expiry: kept while Redis reports the changes (tracked-records.ts);
 * - anything else (fs, a mount of the app's own that is not Redis, a Redis cluster): `untrackedRecords`, every
 *   read loads.
 */
export interface RecordMemo {
  /** The record under `key` (a storage key): the kept one, else `load()`'s, kept when nothing changed it meanwhile. */
  read<T>(key: string, load: () => Promise<T>): Promise<T>
  /** This process wrote `key`: forgotten now. */
  forget(key: string): void
  /** Whether records are being kept. */
  readonly tracking: boolean
  /** Resolves once every change reported before this call has been applied here. */
  settled(): Promise<void>
  close(): void
}

/** Where nobody reports changes (fs, a mount of the app's own that is not Redis, a Redis cluster): every read loads. */
export const untrackedRecords: RecordMemo = {
  read: (_key, load) => load(),
  forget() {},
  tracking: false,
  settled: async () => {},
  close() {},
}

/**
 * The longest a record is kept. Every change this process makes is forgotten at once; the bound is for the changes
 * it cannot see (a Redis connection that died without a word between two heartbeats).
 */
const RECORD_MAX_AGE_MS = 10_000
/** Records kept at most (1 to 3 kB each: the sealed tokens, the device's details); beyond, the oldest go. */
const CAPACITY = 10_000

/** The kept records and the reads in flight: what both memos share. */
export interface RecordKeeper {
  read<T>(key: string, load: () => Promise<T>): Promise<T>
  /** Drops `key`, and keeps nothing from a read of it in flight. */
  drop(key: string): void
  /** Drops everything, reads in flight included. */
  clear(): void
}

export function createRecordKeeper(): RecordKeeper {
  const kept = createExpiringCache<{ value: unknown }>(CAPACITY)
  /** The read in flight per key: only it may keep its answer, and only if no change was reported meanwhile. */
  const loading = new Map<string, object>()
  return {
    async read<T>(key: string, load: () => Promise<T>): Promise<T> {
      const hit = kept.get(key)
      if (hit) return hit.value as T
      const ticket = {}
      loading.set(key, ticket)
      try {
        const value = await load()
        // (A change, a reset, or a later read of the key took the ticket away: this answer may be stale.)
        if (loading.get(key) === ticket) kept.set(key, { value: freeze(value) }, Date.now() + RECORD_MAX_AGE_MS)
        return value
      }
      finally {
        if (loading.get(key) === ticket) loading.delete(key)
      }
    },
    drop(key) {
      kept.delete(key)
      loading.delete(key)
    },
    clear() {
      kept.clear()
      loading.clear()
    },
  }
}

/**
 * Records of a storage only this process changes (the module's memory storage): every write and removal goes through
 * the store, which forgets the record at once, so a kept record is the stored one. A revocation holds at once.
 */
export function processRecords(): RecordMemo {
  const keeper = createRecordKeeper()
  return {
    read: keeper.read,
    forget: keeper.drop,
    tracking: true,
    settled: async () => {},
    close: keeper.clear,
  }
}

/** A kept record is shared by every request that reads it: nothing may change it. */
function freeze<T>(value: T): T {
  return value !== null && typeof value === 'object' ? Object.freeze(value) : value
}
