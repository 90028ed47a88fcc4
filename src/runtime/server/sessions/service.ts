import { prefixStorage, type Storage } from 'unstorage'
import { joinKeys } from 'unstorage/drivers/utils/index'
import { createSessionKeys, parseSecrets, SessionKeyError, SESSIONS_SECRET_ENV } from './keys'
import { createProcessLock, createRedisLock, type NamedLock, type RedisLike } from './lock'
import { createSessionService, SESSION_KEY_PREFIX, type SessionService, type SessionSettings } from './store'
import { processRecords, untrackedRecords } from './record-memo'
import { trackRecords, type TrackableRedis } from './tracked-records'

// One per server process, on globalThis: the Nuxt server app (SSR) and Nitro's routes are bundled apart.
const SERVICE = Symbol.for('nuxt-gatekeeper:session-service')
const holder = globalThis as { [SERVICE]?: Promise<SessionService> }

/** The session service the Nitro plugin started; an error when session mode is not set up. */
export function sessionService(): Promise<SessionService> {
  const service = holder[SERVICE]
  if (!service) throw new Error('[nuxt-gatekeeper] Session mode is off: listUserSessions, revokeSession and revokeUserSessions need auth.sessions in nuxt.config (sessions kept on the server, with the local provider)')
  return service
}

/**
 * The secrets, checked when the server starts: in production a missing or short secret stops it, with the
 * variable to set and how to make one; in development a random one is made (sessions end on restart).
 */
export function sessionSecrets(settings: Pick<SessionSettings, 'secret'>, { dev, prerender = false, variable = SESSIONS_SECRET_ENV, option = 'auth.sessions' }: { dev: boolean, prerender?: boolean, variable?: string, option?: string }): string[] {
  const secrets = parseSecrets(settings.secret, variable)
  if (secrets.length > 0) return secrets
  // Prerendering renders pages without visitors: no session is ever made, a throwaway secret does.
  if (prerender) return [Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')]
  if (!dev) {
    throw new SessionKeyError(`[nuxt-gatekeeper] ${option} needs a secret to encrypt what it stores: set ${variable} (at least 32 characters; make one with \`openssl rand -base64 32\`). A comma-separated list rotates secrets: the first is used for new entries.`)
  }
  console.warn(`[nuxt-gatekeeper] ${variable} is not set: development uses a random secret, so what ${option} stored is lost when the server restarts`)
  return [Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')]
}

/**
 * Whether a mount is Redis (unstorage's redis driver): then its client gives fleet-wide locks and expiry. `prefix`
 * is the driver's base as it joins it to keys (a `/` is a `:`); `keyPrefix` what the client adds to every key.
 */
function redisClientOf(storage: Storage, base: string): { client: RedisLike & TrackableRedis, prefix: string, keyPrefix: string } | null {
  const { driver } = storage.getMount(base)
  if (driver.name !== 'redis' || typeof driver.getInstance !== 'function') return null
  const prefix = joinKeys(String((driver.options as { base?: string } | undefined)?.base ?? ''))
  const client = driver.getInstance() as RedisLike & TrackableRedis & { options?: { keyPrefix?: string } }
  return { client, prefix: prefix ? `${prefix}:` : '', keyPrefix: client.options?.keyPrefix ?? '' }
}

export function startSessionService(settings: SessionSettings, storage: Storage, mounted: Promise<string>, secrets: string[], lockTtlMs: number): Promise<SessionService> {
  holder[SERVICE] = (async () => {
    const base = await mounted
    const lock = lockFor(storage, base, lockTtlMs)
    const redis = redisClientOf(storage, base)
    const sessions = prefixStorage(storage, base)
    return createSessionService({
      storage: sessions,
      storageName: settings.storage,
      keys: await createSessionKeys(secrets),
      settings,
      lock,
      expiresKeys: lock.fleetWide,
      bounded: settings.storage === 'memory',
      // Each request's record read once per change, not once per request (record-memo.ts): on Redis while it reports
      // the changes (tracked-records.ts); in the module's memory storage, which only this process changes, always.
      records: redis
        ? trackRecords(redis.client, {
            keyPrefix: `${redis.keyPrefix}${redis.prefix}`,
            tracked: SESSION_KEY_PREFIX,
            probe: { write: key => sessions.setItem(key, 'probe', { ttl: 60 }), remove: key => sessions.removeItem(key) },
          })
        : settings.storage === 'memory' ? processRecords() : untrackedRecords,
    })
  })()
  return holder[SERVICE]
}

/** Where a storage setting points: 'memory', 'fs', 'redis' (mounted by the module at `mount`), or an app's own mount. */
export interface StorageChoice {
  storage: string
  redisUrl?: string
  redisBase?: string
  fsBase?: string
}

/** The storages the module mounts itself; any other value names a mount of the app's own (`nitro.storage`). */
const OWN_STORAGES = ['redis', 'memory', 'fs']

/**
 * Stops the server at start when the setting names neither a storage of the module's nor one of the app's mounts:
 * unstorage would answer from its root, a memory of this process, and a fleet would share nothing (a typo in the
 * environment, `Redis` or `reddis`, is no build error).
 */
export function checkStorageChoice(storage: Storage, choice: StorageChoice, { option, variable }: { option: string, variable: string }) {
  const urlVariable = variable.replace(/_STORAGE$/, '_REDIS_URL')
  if (choice.storage === 'redis') return checkRedisUrl(choice, urlVariable)
  if (OWN_STORAGES.includes(choice.storage)) return
  const base = `${String(choice.storage).replace(/[/:]+/g, ':').replace(/^:|:$/g, '')}:`
  const mounts = storage.getMounts().map(mount => mount.base).filter(Boolean)
  if (base !== ':' && mounts.includes(base)) return
  const named = mounts.map(mount => `'${mount.replace(/:$/, '')}'`).join(', ')
  throw new Error(`[nuxt-gatekeeper] ${option} (${variable}) is ${JSON.stringify(choice.storage)}, which is neither 'redis', 'memory' nor 'fs' nor a storage mount of this app${named ? ` (its mounts: ${named})` : ''}. Fix: set one of those; Redis is 'redis', with ${urlVariable} or REDIS_URL`)
}

/** The Redis address the module connects to: the option's variable, else REDIS_URL, else a local Redis. */
function redisUrlOf(choice: StorageChoice): string {
  return choice.redisUrl || process.env.REDIS_URL || 'redis://127.0.0.1:6379'
}

/**
 * Stops the server at start on a Redis address ioredis cannot use: it would not fail until the first request, and
 * then every signed-in request would answer 503 until somebody read the log. ioredis takes `redis://` and
 * `rediss://` URLs, `host:port` and a socket path.
 */
function checkRedisUrl(choice: StorageChoice, variable: string) {
  const url = redisUrlOf(choice)
  const named = choice.redisUrl ? variable : 'REDIS_URL'
  const scheme = /^([a-z][\w+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase()
  let problem = scheme && scheme !== 'redis' && scheme !== 'rediss' ? `has the scheme ${scheme}:` : null
  if (!problem && !url.startsWith('/') && !URL.canParse(scheme ? url : `redis://${url}`)) problem = 'is no URL'
  // Whatever comes before the last `@` may be a password (one with an `@` in it, too).
  const at = url.lastIndexOf('@')
  const shown = at < 0 ? url : `${scheme ? url.slice(0, url.indexOf('//') + 2) : ''}…${url.slice(at)}`
  if (problem) throw new Error(`[nuxt-gatekeeper] ${named} ${problem} (${JSON.stringify(shown)}). Fix: a Redis URL, redis://host:6379 (rediss:// for TLS), or a socket path`)
}

/**
 * Mounts the module's own storage from the environment (a Redis URL is known at run time, not at build) and
 * returns the mount to use: `mount`, or the app's own mount when the setting names one.
 */
export async function mountStorage(storage: Storage, mount: string, choice: StorageChoice): Promise<string> {
  if (choice.storage === 'redis') {
    const { default: redisDriver } = await import('unstorage/drivers/redis')
    const url = redisUrlOf(choice)
    // Fail fast while Redis is away (a 503 at once, no queue of waiting requests), and reconnect by itself.
    storage.mount(mount, redisDriver({ url, base: choice.redisBase || 'gatekeeper', enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2000, connectTimeout: 2000 }))
    return mount
  }
  if (choice.storage === 'fs') {
    const { default: fsDriver } = await import('unstorage/drivers/fs-lite')
    storage.mount(mount, fsDriver({ base: choice.fsBase }))
    return mount
  }
  if (choice.storage === 'memory') {
    const { default: memoryDriver } = await import('unstorage/drivers/memory')
    storage.mount(mount, memoryDriver())
    return mount
  }
  return choice.storage
}

/** A lock in `base`: Redis's own (fleet-wide) on a Redis mount, else one in this process. */
export function lockFor(storage: Storage, base: string, ttlMs: number): NamedLock {
  const redis = redisClientOf(storage, base)
  return redis ? createRedisLock(redis.client, `${redis.prefix}lock:`, ttlMs) : createProcessLock(ttlMs)
}
