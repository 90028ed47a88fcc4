import { prefixStorage, type Storage } from 'unstorage'
import { createSessionKeys, parseSecrets, SessionKeyError, SESSIONS_SECRET_ENV } from './keys'
import { createProcessLock, createRedisLock, type NamedLock, type RedisLike } from './lock'
import { createSessionService, type SessionService, type SessionSettings } from './store'

// One per server process, on globalThis: the Nuxt server app (SSR) and Nitro's routes are bundled apart.
const SERVICE = Symbol.for('nuxt-gatekeeper:session-service')
const holder = globalThis as { [SERVICE]?: Promise<SessionService> }

/** The session service the Nitro plugin started; an error when session mode is not set up. */
export function sessionService(): Promise<SessionService> {
  const service = holder[SERVICE]
  if (!service) throw new Error('[nuxt-gatekeeper] Session mode is not started: its Nitro plugin did not run (auth.sessions)')
  return service
}

/**
 * The secrets, checked when the server starts: in production a missing or short secret stops it, with the
 * variable to set and how to make one; in development a random one is made (sessions end on restart).
 */
export function sessionSecrets(settings: SessionSettings, { dev, prerender = false }: { dev: boolean, prerender?: boolean }): string[] {
  const secrets = parseSecrets(settings.secret)
  if (secrets.length > 0) return secrets
  // Prerendering renders pages without visitors: no session is ever made, a throwaway secret does.
  if (prerender) return [Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')]
  if (!dev) {
    throw new SessionKeyError(`[nuxt-gatekeeper] auth.sessions needs a secret to encrypt the stored tokens and sign the session cookie: set ${SESSIONS_SECRET_ENV} (at least 32 characters; make one with \`openssl rand -base64 32\`). A comma-separated list rotates secrets: the first is used for new sessions.`)
  }
  console.warn(`[nuxt-gatekeeper] ${SESSIONS_SECRET_ENV} is not set: development uses a random secret, so sessions end when the server restarts`)
  return [Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')]
}

/** Whether a mount is Redis (unstorage's redis driver): then its client gives fleet-wide locks and expiry. */
function redisClientOf(storage: Storage, base: string): { client: RedisLike, prefix: string } | null {
  const { driver } = storage.getMount(base)
  if (driver.name !== 'redis' || typeof driver.getInstance !== 'function') return null
  const prefix = String((driver.options as { base?: string } | undefined)?.base ?? '').replace(/:$/, '')
  return { client: driver.getInstance() as RedisLike, prefix: prefix ? `${prefix}:` : '' }
}

export function startSessionService(settings: SessionSettings, storage: Storage, base: string, secrets: string[], lockTtlMs: number): Promise<SessionService> {
  holder[SERVICE] = (async () => {
    const redis = redisClientOf(storage, base)
    const lock: NamedLock = redis ? createRedisLock(redis.client, `${redis.prefix}lock:`, lockTtlMs) : createProcessLock(lockTtlMs)
    return createSessionService({
      storage: prefixStorage(storage, base),
      storageName: settings.storage,
      keys: await createSessionKeys(secrets),
      settings,
      lock,
      expiresKeys: Boolean(redis),
      bounded: settings.storage === 'memory',
    })
  })()
  return holder[SERVICE]
}
