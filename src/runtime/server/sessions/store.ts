import type { Storage } from 'unstorage'
import { createExpiringCache, sha256Hex } from '../../shared/expiring-cache'
import type { SessionKeys } from './keys'
import type { NamedLock } from './lock'
import { untrackedRecords, type RecordMemo } from './record-memo'

/** `runtimeConfig.auth.sessions` (server only; each key from NUXT_AUTH_SESSIONS_*). */
export interface SessionSettings {
  enabled: boolean
  /** 'memory', 'fs', 'redis', or the name of a Nitro storage mount the app configured. */
  storage: string
  /** One secret or a comma-separated list (rotation): NUXT_AUTH_SESSIONS_SECRET. */
  secret: string
  /** For `storage: 'redis'`: NUXT_AUTH_SESSIONS_REDIS_URL, else REDIS_URL, else redis://127.0.0.1:6379. */
  redisUrl: string
  /** For `storage: 'redis'`: the prefix of every key (NUXT_AUTH_SESSIONS_REDIS_BASE), so apps can share a Redis. */
  redisBase: string
  /** For `storage: 'fs'`: the folder. */
  fsBase: string
  cookieName: string
  sameSite: 'lax' | 'strict' | 'none'
  /** Seconds without a request after which the session ends. */
  idleTimeout: number
  /** Seconds after sign-in after which the session ends, whatever the activity. */
  maxAge: number
  /** Where the user's id is in the session data (for the device list and "sign out everywhere"). */
  userIdPointer: string
  /** Sessions kept at most by the memory storage (beyond it, the least recently seen of the user with the most ends). */
  maxEntries: number
}

/** A session as stored: what identifies the device in clear, the tokens sealed. */
export interface StoredSession {
  v: 1
  /** A hash of the user's id (the device list's index), or null when the session data had none. */
  user: string | null
  createdAt: number
  lastSeenAt: number
  absoluteExpiresAt: number
  userAgent: string
  ip: string
  /** `{ token, refreshToken }`, AES-GCM under the current secret, bound to this record's key. */
  sealed: string
}

export interface SessionTokens {
  token: string | null
  refreshToken: string | null
}

export interface OpenSession {
  /** The public handle: the storage key, a hash of the cookie's id (the id itself is nowhere in the store). */
  handle: string
  meta: StoredSession
  tokens: SessionTokens
}

/** One device of a user, as `listUserSessions` gives it. */
export interface SessionInfo {
  /** Pass it to `revokeSession` (it is no cookie value: it cannot sign anybody in). */
  id: string
  createdAt: Date
  lastSeenAt: Date
  expiresAt: Date
  userAgent: string
  ip: string
  /** The session of the request that asked. */
  current: boolean
}

export class SessionStorageError extends Error {
  override readonly name = 'SessionStorageError'
}

export function sessionExpiry(meta: StoredSession, settings: Pick<SessionSettings, 'idleTimeout'>): number {
  return Math.min(meta.absoluteExpiresAt, meta.lastSeenAt + settings.idleTimeout * 1000)
}

/** A session record as written (a value caught mid-write, or anything else, is not). */
function isStoredRecord(value: unknown): value is StoredSession {
  return typeof value === 'object' && value !== null && (value as StoredSession).v === 1 && typeof (value as StoredSession).sealed === 'string'
}

/** How long the sweep leaves a record it cannot read: a write in progress ends well within it. */
const UNREADABLE_RECORD_KEPT_MS = 60_000

/** What every session record's key starts with (Redis tracks the records by it: tracked-records.ts). */
export const SESSION_KEY_PREFIX = 's:'
const sessionKey = (handle: string) => `${SESSION_KEY_PREFIX}${handle}`
const userPrefix = (user: string) => `u:${user}`

export interface SessionServiceOptions {
  storage: Storage
  /** For messages: which storage failed. */
  storageName: string
  keys: SessionKeys
  settings: SessionSettings
  lock: NamedLock
  /** The storage expires keys itself (`ttl`): no sweep needed. */
  expiresKeys: boolean
  /** Keep at most `settings.maxEntries` sessions (memory). */
  bounded: boolean
  /** Records kept in this process between requests (record-memo.ts: the memory storage, Redis while it reports changes); by default none. */
  records?: RecordMemo
}

export type SessionService = ReturnType<typeof createSessionService>

/**
 * Sessions in Nitro storage. Every change of a stored session runs under its lock (refresh, touch, revocation),
 * so no write can put back tokens another instance already replaced, and a revoked session stays revoked.
 */
export function createSessionService({ storage, storageName, keys, settings, lock, expiresKeys, bounded, records = untrackedRecords }: SessionServiceOptions) {
  /** Storage calls fail as one typed error naming the storage (the routes answer 503, nobody is signed out). */
  async function io<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    }
    catch (error) {
      if (error instanceof SessionStorageError) throw error
      throw new SessionStorageError(`The session storage "${storageName}" failed to ${what}: ${(error as Error)?.message ?? error}`, { cause: error })
    }
  }

  const ttlOf = (meta: StoredSession, now = Date.now()) => Math.max(1, Math.ceil((sessionExpiry(meta, settings) - now) / 1000))

  async function write(handle: string, meta: StoredSession, tokens?: SessionTokens) {
    const record = tokens ? { ...meta, sealed: await keys.seal(JSON.stringify(tokens), sessionKey(handle)) } : meta
    const ttl = ttlOf(record)
    await io('write a session', () => storage.setItem(sessionKey(handle), record, { ttl }))
      .finally(() => records.forget(sessionKey(handle)))
    if (record.user) await io('write a session', () => storage.setItem(`${userPrefix(record.user!)}:${handle}`, { expiresAt: Date.now() + ttl * 1000 }, { ttl }))
    return record
  }

  /**
   * The stored record, null when there is none. A value that is there but no record (a file read while it was
   * being written) is read once more, then a storage failure: never taken for "signed out".
   */
  async function readStoredRecord(handle: string): Promise<StoredSession | null> {
    for (let attempt = 0; ; attempt++) {
      const meta = await io('read a session', () => storage.getItem<StoredSession>(sessionKey(handle)))
      if (meta === null || meta === undefined) return null
      if (isStoredRecord(meta)) return meta
      if (attempt > 0) throw new SessionStorageError(`The session storage "${storageName}" holds an unreadable record`)
      await new Promise(resolve => setTimeout(resolve, 25))
    }
  }

  // The tokens of a record object already opened: a record kept in memory (record-memo.ts) is the same object on
  // every request, opened and parsed once. (Only for objects; a storage that parses each read gives new ones.)
  const openedTokens = new WeakMap<StoredSession, SessionTokens>()

  /**
   * The session, null when it has ended. `recent`: the record this process has kept may answer (a request's
   * session when it arrives); what runs under the session's lock reads the storage.
   */
  async function read(handle: string, now = Date.now(), { recent = false }: { recent?: boolean } = {}): Promise<OpenSession | null> {
    const meta = recent ? await records.read(sessionKey(handle), () => readStoredRecord(handle)) : await readStoredRecord(handle)
    if (!meta) return null
    // (Written so that a bad timeout setting ends sessions rather than keeping them forever.)
    if (!(sessionExpiry(meta, settings) > now)) {
      await remove(handle, meta)
      return null
    }
    if (!keys.knows(meta.sealed)) {
      // Sealed under a secret this instance does not have (a rotation being deployed): no verdict on the user.
      throw new SessionStorageError(`A session in "${storageName}" is sealed with a secret this server does not have: give every instance the same NUXT_AUTH_SESSIONS_SECRET list`)
    }
    const known = openedTokens.get(meta)
    if (known) return { handle, meta, tokens: known }
    const opened = await keys.open(meta.sealed, sessionKey(handle))
    // Tampered with: nobody is signed in with it.
    if (opened === null) return null
    const parsed = JSON.parse(opened) as SessionTokens
    const tokens = Object.freeze({ token: parsed.token ?? null, refreshToken: parsed.refreshToken ?? null })
    openedTokens.set(meta, tokens)
    return { handle, meta, tokens }
  }

  async function remove(handle: string, meta?: StoredSession | null) {
    const known = meta ?? await io('read a session', () => storage.getItem<StoredSession>(sessionKey(handle)))
    await io('remove a session', () => storage.removeItem(sessionKey(handle)))
      .finally(() => records.forget(sessionKey(handle)))
    if (known?.user) await io('remove a session', () => storage.removeItem(`${userPrefix(known.user!)}:${handle}`))
  }

  /** Runs `task` holding the session's lock; null when `wait` is false and another holds it. */
  async function locked<T>(handle: string, task: () => Promise<T>, { wait = true } = {}): Promise<T | null> {
    const release = await io('take a session lock', () => lock.acquire(`s:${handle}`, { wait, renew: true }))
    if (!release) {
      if (!wait) return null
      throw new SessionStorageError(`The session lock in "${storageName}" was not released in time`)
    }
    try {
      return await task()
    }
    finally {
      await release().catch(() => {})
    }
  }

  // A handle depends on the id alone, and a visitor sends the same id with every page: hashed once per id (bounded;
  // the ids are already held in memory by the cookie memo of keys.ts).
  const knownHandles = createExpiringCache<string>(2_000)
  /** The storage handle of a session id: its hash, so storage never holds what a cookie carries. Synchronous when known. */
  function handleOf(id: string): string | Promise<string> {
    return knownHandles.get(id) ?? sha256Hex(id).then((handle) => {
      knownHandles.set(id, handle, Number.POSITIVE_INFINITY)
      return handle
    })
  }

  const userHash = (userId: unknown) => userId === undefined || userId === null || userId === '' ? Promise.resolve(null) : sha256Hex(`user\n${String(userId)}`)

  async function handles(prefix: string): Promise<string[]> {
    const keysFound = await io('list sessions', () => storage.getKeys(prefix))
    return keysFound.map(key => key.split(':').pop()!).filter(Boolean)
  }

  /** Records a sweep could not read, since when (see sweep). */
  let unreadableSince = new Map<string, number>()
  /** The sweep a sign-in at the bound started, while it runs. */
  let sweeping: Promise<void> | null = null

  /**
   * Removes expired sessions (storages without expiry of their own), then, when bounded, enough beyond the limit:
   * each the least recently seen of the user who holds the most. So one account signing in over and over ends its
   * own sessions, not everybody else's.
   */
  async function sweep(now = Date.now()) {
    const live: Array<{ handle: string, lastSeenAt: number, user: string | null }> = []
    const unreadable = new Map<string, number>()
    let read = 0
    for (const handle of await handles('s')) {
      // The memory driver answers at once: without a pause now and then, a sweep of ten thousand sessions would hold
      // the process (no other request served) until it is done.
      if (++read % 500 === 0) await new Promise(resolve => setTimeout(resolve, 0))
      const meta = await io('read a session', () => storage.getItem<StoredSession>(sessionKey(handle)))
      if (meta !== null && meta !== undefined && !isStoredRecord(meta)) {
        // Read while it was being written (an fs write empties the file first), as a request's read may be: the
        // session is live. Only a record that stays unreadable longer than any write takes is garbage.
        const since = unreadableSince.get(handle) ?? now
        if (now - since >= UNREADABLE_RECORD_KEPT_MS) await remove(handle, null)
        else unreadable.set(handle, since)
      }
      else if (!meta || !(sessionExpiry(meta, settings) > now)) await remove(handle, meta)
      else live.push({ handle, lastSeenAt: meta.lastSeenAt, user: meta.user ?? null })
    }
    unreadableSince = unreadable
    // Index entries whose session is gone (expired on its own); asked one by one, since a session made during the
    // sweep has its index entry but was not listed above.
    for (const key of await io('list sessions', () => storage.getKeys('u'))) {
      const handle = key.split(':').pop()!
      if (!await io('read a session', () => storage.hasItem(sessionKey(handle)))) await io('remove a session', () => storage.removeItem(key))
    }
    if (bounded && live.length >= settings.maxEntries) {
      // Per user (sessions without one each on their own), least recently seen first.
      const byUser = new Map<string, typeof live>()
      for (const entry of live.sort((a, b) => a.lastSeenAt - b.lastSeenAt)) {
        const user = entry.user ?? `session:${entry.handle}`
        const own = byUser.get(user)
        if (own) own.push(entry)
        else byUser.set(user, [entry])
      }
      // Down to a hundredth below the bound (one session at least): a sweep reads every session, and one per sign-in
      // at the bound made each sign-in cost that.
      const below = Math.max(1, Math.floor(settings.maxEntries / 100))
      for (let excess = live.length - settings.maxEntries + below; excess > 0; excess--) {
        // The user with the most sessions; among equals, the one whose oldest was seen longest ago.
        let most: typeof live | undefined
        for (const own of byUser.values()) {
          if (own.length && (!most || own.length > most.length || (own.length === most.length && own[0]!.lastSeenAt < most[0]!.lastSeenAt))) most = own
        }
        await remove(most!.shift()!.handle)
      }
    }
  }

  return {
    settings,
    keys,
    storageName,
    records,
    fleetWide: lock.fleetWide,
    expiresKeys,
    read,
    remove,
    locked,
    sweep,

    /** A new session for fresh tokens: a random id for the cookie, its hash as the storage key. */
    async create(tokens: SessionTokens, device: { userId: unknown, userAgent: string, ip: string }, now = Date.now()) {
      // One sweep at a time: sign-ins arriving together at the bound wait for the same one.
      if (bounded && (await handles('s')).length >= settings.maxEntries) await (sweeping ??= sweep(now).finally(() => sweeping = null))
      const id = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')
      const handle = await handleOf(id)
      const meta: StoredSession = {
        v: 1,
        user: await userHash(device.userId),
        createdAt: now,
        lastSeenAt: now,
        absoluteExpiresAt: now + settings.maxAge * 1000,
        userAgent: device.userAgent.slice(0, 512),
        ip: device.ip,
        sealed: '',
      }
      const written = await write(handle, meta, tokens).catch(async (error: unknown) => {
        // Its index entry failed after the record was written: the sign-in fails, and nobody will ever have this id,
        // so the record (the user's live tokens) goes now rather than when it idles out. Best effort: storage is failing.
        await remove(handle, meta).catch(() => {})
        throw error
      })
      return { id, handle, meta: written }
    },

    /**
     * Stores new tokens for a session (under its lock) if it still holds `expected`: 'changed' when another
     * request stored others first (a lock that expired under a slow backend), 'gone' when it was revoked or expired.
     */
    async replaceTokens(handle: string, expected: SessionTokens, tokens: SessionTokens): Promise<'replaced' | 'changed' | 'gone'> {
      const current = await read(handle)
      if (!current) return 'gone'
      if (current.tokens.token !== expected.token || current.tokens.refreshToken !== expected.refreshToken) return 'changed'
      await write(handle, current.meta, tokens)
      return 'replaced'
    },

    /** Records activity (the idle timeout restarts); skipped when another request holds the session's lock. */
    async touch(session: OpenSession, now = Date.now()) {
      await locked(session.handle, async () => {
        const meta = await io('read a session', () => storage.getItem<StoredSession>(sessionKey(session.handle)))
        if (meta && sessionExpiry(meta, settings) > now) await write(session.handle, { ...meta, lastSeenAt: now })
      }, { wait: false })
    },

    /**
     * Ends a session: waits for a refresh in flight, so nothing writes it back afterwards. True when it was live (not
     * already gone or expired, which a storage without expiring keys keeps until its sweep).
     */
    async revoke(handle: string, now = Date.now()): Promise<boolean> {
      return await locked(handle, async () => {
        const meta = await io('read a session', () => storage.getItem<StoredSession>(sessionKey(handle)))
        await remove(handle, meta)
        return meta !== null && sessionExpiry(meta, settings) > now
      }) ?? false
    },

    handleOf,

    userHash,

    async listUser(userId: unknown, currentHandle: string | null, now = Date.now()): Promise<SessionInfo[]> {
      const user = await userHash(userId)
      if (!user) return []
      const sessions: SessionInfo[] = []
      for (const handle of await handles(userPrefix(user))) {
        const meta = await io('read a session', () => storage.getItem<StoredSession>(sessionKey(handle)))
        if (!meta || meta.user !== user || sessionExpiry(meta, settings) <= now) continue
        sessions.push({ id: handle, createdAt: new Date(meta.createdAt), lastSeenAt: new Date(meta.lastSeenAt), expiresAt: new Date(sessionExpiry(meta, settings)), userAgent: meta.userAgent, ip: meta.ip, current: handle === currentHandle })
      }
      return sessions.sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime())
    },

    /** The handles of a user's sessions (for revocation). */
    async userHandles(userId: unknown): Promise<string[]> {
      const user = await userHash(userId)
      return user ? await handles(userPrefix(user)) : []
    },
  }
}
