// Session records this process read from Redis, kept in memory while Redis reports every change to them: Redis's
// client-side caching (CLIENT TRACKING in broadcast mode over the session keys' prefix, its invalidation messages
// on a connection of this process's own). A record another instance refreshes or revokes, or Redis expires, is
// dropped here when Redis reports the change, which it sends with its answer to the writer; so a request reads
// Redis once per change of its session, not once per page, and a revocation still holds on every instance at once.
//
// Nothing is kept while that connection is not tracking (not yet connected, reconnecting, refused): then every
// read goes to Redis, as without this.
import { createRecordKeeper, untrackedRecords, type RecordMemo } from './record-memo'

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
/** How often the connection is asked whether it still answers (a PING; one that fails or times out reconnects). */
const HEARTBEAT_MS = 5_000
const HEARTBEAT_TIMEOUT_MS = 2_000
/** How long the set-up waits for the message about its own test key. */
const PROBE_TIMEOUT_MS = 3_000

/** How the tracking checks, when it starts, that the keys the storage writes are the keys Redis reports. */
export interface TrackingProbe {
  /** Writes `key` (a storage key under `tracked`) through the storage, with a short expiry. */
  write(key: string): Promise<void>
  remove(key: string): Promise<void>
}

/** A refusal by Redis (an error reply: `ERR …`, `NOPERM …`), as against a timeout or a lost connection. */
const isErrorReply = (error: unknown) => error instanceof Error && (error.name === 'ReplyError' || /^[A-Z]{2}[A-Z_]* /.test(error.message))

/**
 * Tracks the keys under `keyPrefix + tracked` (Redis's own key names: ioredis's key prefix, the driver's base, then
 * the storage's key), kept under the storage's key (`tracked…`). `probe` writes a key through the storage when
 * tracking starts: until its message has come back, nothing is kept (a prefix that is not the keys' own would
 * bring none, and a revocation elsewhere would go unseen).
 */
export function trackRecords(client: TrackableRedis, { keyPrefix, tracked, probe }: { keyPrefix: string, tracked: string, probe: TrackingProbe }): RecordMemo {
  // Cluster: a connection tracks one node's keys only.
  if (client.isCluster) return untrackedRecords
  // Kept at most 10 s after Redis gave them (record-memo.ts): the bound on what a connection that died without a
  // word, between two heartbeats, could keep using.
  const keeper = createRecordKeeper()
  /** Keys whose message a set-up awaits (its probe). */
  const awaited = new Map<string, () => void>()
  let tracking = false
  /** Bumped when the connection closes or is set up again: a set-up a newer one overtook does nothing more. */
  let generation = 0
  let closed = false
  let warned = false

  function stop() {
    tracking = false
    generation++
    keeper.clear()
  }

  const drop = (key: string) => {
    keeper.drop(key)
    awaited.get(key)?.()
  }

  function warnOnce(message: string) {
    if (warned) return
    warned = true
    console.warn(`[nuxt-gatekeeper] ${message}, so every request reads its session from Redis`)
  }

  // Its own commands are never sent again on a new connection (a CLIENT TRACKING naming the old one's id would fail).
  const connection = client.duplicate({ autoResubscribe: false, autoResendUnfulfilledCommands: false, connectionName: 'nuxt-gatekeeper-tracking', enableOfflineQueue: false, lazyConnect: false })
  // Connection errors are the storage's to report (its own client meets them too); here they only stop tracking.
  connection.on('error', () => {})
  connection.on('close', stop)
  connection.on('end', stop)
  connection.on('ready', () => void track())
  connection.on('messageBuffer', ((channel: Buffer, message: Buffer | Buffer[] | null) => {
    if (String(channel) !== INVALIDATE) return
    // No key: every key changed (FLUSHALL, FLUSHDB). Tracking goes on.
    if (message === null) return keeper.clear()
    const keyLength = keyPrefix.length
    for (const key of Array.isArray(message) ? message : [message]) drop(String(key).slice(keyLength))
  }) as Listener)

  // A timer of its own: the client's commandTimeout (the module sets one) may be unset on an app's own mount.
  const heartbeat = setInterval(() => {
    if (!tracking) return
    const started = generation
    const reconnect = () => {
      clearTimeout(timer)
      if (generation !== started || closed) return
      // Nothing kept from now on: the connection's close may take a while (ioredis waits for the socket's end).
      stop()
      connection.disconnect(true)
    }
    const timer = setTimeout(reconnect, HEARTBEAT_TIMEOUT_MS)
    connection.ping().then(() => clearTimeout(timer), reconnect)
  }, HEARTBEAT_MS)
  ;(heartbeat as { unref?: () => void }).unref?.()

  /** Resolves true when Redis reports a change of `key` within the probe's time, else false. */
  function messageAbout(key: string): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        awaited.delete(key)
        resolve(false)
      }, PROBE_TIMEOUT_MS)
      awaited.set(key, () => {
        clearTimeout(timer)
        awaited.delete(key)
        resolve(true)
      })
    })
  }

  async function track() {
    stop()
    const started = generation
    let step = 'CLIENT ID'
    try {
      const id = String(await connection.call('CLIENT', 'ID'))
      // Before SUBSCRIBE (a subscribed RESP2 connection takes no other command). Redis sends nothing to it until then,
      // and nothing is kept until then either.
      step = 'CLIENT TRACKING'
      await connection.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', id, 'BCAST', 'PREFIX', `${keyPrefix}${tracked}`)
      step = `SUBSCRIBE ${INVALIDATE}`
      await connection.subscribe(INVALIDATE)
      step = 'a test key written through the storage'
      const probeKey = `${tracked}tracking-probe:${crypto.randomUUID()}`
      const reported = messageAbout(probeKey)
      await probe.write(probeKey)
      const arrived = await reported
      await probe.remove(probeKey).catch(() => {})
      if (generation !== started || closed) return
      if (!arrived) {
        connection.disconnect()
        return warnOnce(`Redis reported no change of a session key written as a test (tracking the prefix ${JSON.stringify(`${keyPrefix}${tracked}`)}; does the Redis client add a key prefix of its own?)`)
      }
      tracking = true
    }
    catch (error) {
      // A set-up overtaken by a reconnect: the newer one decides.
      if (generation !== started || closed) return
      if (isErrorReply(error)) {
        // Redis before 6, a user without CLIENT or SUBSCRIBE, a proxy that does not pass them: reads go to Redis.
        connection.disconnect()
        return warnOnce(`Redis refused client-side caching (${step}: ${(error as Error).message}). It needs Redis 6 or later, and for the user of the Redis URL the CLIENT and SUBSCRIBE commands and the channel ${INVALIDATE}`)
      }
      // Anything else (a timeout, the storage's client not connected yet): tried again on a new connection.
      connection.disconnect(true)
    }
  }

  return {
    async read<T>(key: string, load: () => Promise<T>): Promise<T> {
      return tracking ? await keeper.read(key, load) : await load()
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
      clearInterval(heartbeat)
      stop()
      connection.disconnect()
    },
  }
}
