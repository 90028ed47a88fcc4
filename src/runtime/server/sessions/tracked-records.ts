import { createExpiringCache } from '../../shared/expiring-cache'

/**
 * Session records this process read from Redis, kept in memory while Redis reports every change to them: Redis's
 * client-side caching (CLIENT TRACKING in broadcast mode over the session keys' prefix, its invalidation messages
 * on a connection of this process's own). A record another instance refreshes or revokes, or Redis expires, is
 * dropped here when Redis reports the change, which it sends with its answer to the writer; so a request reads
 * Redis once per change of its session, not once per page, and a revocation still holds on every instance at once.
 *
 * Nothing is kept while that connection is not tracking (not yet connected, reconnecting, refused): then every
 * read goes to Redis, as without this.
 */
export interface RecordMemo {
  /** The record under `key` (a storage key): the kept one, else `load()`'s, kept when nothing changed it meanwhile. */
  read<T>(key: string, load: () => Promise<T>): Promise<T>
  /** This process wrote `key`: forgotten now, not when Redis's message arrives. */
  forget(key: string): void
  /** Whether records are being kept (the connection is up and Redis tracks the keys for it). */
  readonly tracking: boolean
  /** Resolves once every change Redis reported before this call has been applied here (a round trip on the connection). */
  settled(): Promise<void>
  close(): void
}

/** Where records are not tracked (memory, fs, a Redis cluster): every read loads. */
export const untrackedRecords: RecordMemo = {
  read: (_key, load) => load(),
  forget() {},
  tracking: false,
  settled: async () => {},
  close() {},
}

type Listener = (...args: never[]) => void

/** The part of an ioredis client the tracking uses. */
export interface TrackableRedis {
  isCluster?: boolean
  duplicate(override?: Record<string, unknown>): TrackingConnection
}

export interface TrackingConnection {
  on(event: string, listener: Listener): unknown
  call(command: string, ...args: string[]): Promise<unknown>
  subscribe(channel: string): Promise<unknown>
  ping(): Promise<unknown>
  disconnect(reconnect?: boolean): void
}

const INVALIDATE = '__redis__:invalidate'
/**
 * The longest a record is used after Redis gave it. Changes arrive as messages; this bounds what a connection that
 * died without a word (no close seen, so no reset) could keep using.
 */
const RECORD_MAX_AGE_MS = 10_000
/** Records kept at most (a few hundred bytes each); beyond, the oldest go and are read again when needed. */
const CAPACITY = 10_000

/**
 * Tracks the keys under `keyPrefix + tracked` (Redis's own key names: the driver's base, then the storage's key),
 * kept under the storage's key (`tracked…`).
 */
export function trackRecords(client: TrackableRedis, { keyPrefix, tracked }: { keyPrefix: string, tracked: string }): RecordMemo {
  // Cluster: a connection tracks one node's keys only.
  if (client.isCluster) return untrackedRecords
  const kept = createExpiringCache<{ value: unknown }>(CAPACITY)
  /** The read in flight per key: only it may keep its answer, and only if no change was reported meanwhile. */
  const loading = new Map<string, object>()
  let tracking = false
  /** Bumped on every reset: a set-up that a reset overtook does not start tracking. */
  let generation = 0
  let closed = false

  function reset(nowTracking: boolean) {
    tracking = nowTracking
    generation++
    kept.clear()
    loading.clear()
  }

  const drop = (key: string) => {
    kept.delete(key)
    loading.delete(key)
  }

  const connection = client.duplicate({ autoResubscribe: false, connectionName: 'nuxt-gatekeeper-tracking', enableOfflineQueue: false, lazyConnect: false })
  // Connection errors are the storage's to report (its own client meets them too); here they only stop tracking.
  connection.on('error', () => {})
  connection.on('close', () => reset(false))
  connection.on('end', () => reset(false))
  connection.on('ready', () => void track())
  connection.on('messageBuffer', ((channel: Buffer, message: Buffer | Buffer[] | null) => {
    if (String(channel) !== INVALIDATE) return
    // No key: every key changed (FLUSHALL, FLUSHDB).
    if (message === null) return reset(tracking)
    const keyLength = keyPrefix.length
    for (const key of Array.isArray(message) ? message : [message]) drop(String(key).slice(keyLength))
  }) as Listener)

  async function track() {
    reset(false)
    const started = generation
    try {
      const id = String(await connection.call('CLIENT', 'ID'))
      // Before SUBSCRIBE (a subscribed RESP2 connection takes no other command). Redis sends nothing to it until then,
      // and nothing is kept until then either.
      await connection.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', id, 'BCAST', 'PREFIX', `${keyPrefix}${tracked}`)
      await connection.subscribe(INVALIDATE)
      if (generation === started && !closed) tracking = true
    }
    catch (error) {
      if ((error as Error | undefined)?.name === 'ReplyError') {
        // Redis before 6, a user without the CLIENT command, a proxy that does not pass it: reads go to Redis.
        connection.disconnect()
        console.warn(`[nuxt-gatekeeper] Redis refused client-side caching (CLIENT TRACKING: ${(error as Error).message}), so every request reads its session from Redis. It needs Redis 6 or later and the CLIENT command allowed for the user of NUXT_AUTH_SESSIONS_REDIS_URL`)
      }
      // Anything else (a timeout, the connection lost meanwhile): tried again on a new connection.
      else if (!closed) connection.disconnect(true)
    }
  }

  return {
    async read<T>(key: string, load: () => Promise<T>): Promise<T> {
      if (!tracking) return await load()
      const hit = kept.get(key)
      if (hit) return hit.value as T
      const ticket = {}
      loading.set(key, ticket)
      try {
        const value = await load()
        // (A reported change, a reset, or a later read of the key took the ticket away: this answer may be stale.)
        if (loading.get(key) === ticket) kept.set(key, { value: freeze(value) }, Date.now() + RECORD_MAX_AGE_MS)
        return value
      }
      finally {
        if (loading.get(key) === ticket) loading.delete(key)
      }
    },
    forget: drop,
    get tracking() {
      return tracking
    },
    async settled() {
      if (tracking) await connection.ping()
    },
    close() {
      closed = true
      reset(false)
      connection.disconnect()
    },
  }
}

/** A kept record is shared by every request that reads it: nothing may change it. */
function freeze<T>(value: T): T {
  return value !== null && typeof value === 'object' ? Object.freeze(value) : value
}
