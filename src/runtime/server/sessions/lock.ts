/**
 * One holder at a time per name (a session's refresh, a record's update), with an expiry: a holder that dies
 * blocks the name for at most `ttlMs`. A holder that asks (`renew`) has its lock renewed while it works, every third
 * of `ttlMs`, for MAX_HOLD_TTLS lock times and one more at most: slow storage commands around a slow backend must not
 * let a second request take the name and spend the same refresh token. On Redis the lock is Redis's own
 * (`SET key token NX PX ttl`, renewed and released by compare-and-set scripts), so it holds across every server
 * instance; for a storage that only one process uses (memory, fs) a lock in this process is the same thing.
 */
export interface NamedLock {
  /** Whether every instance sharing the storage sees this lock (Redis), or only this process. */
  readonly fleetWide: boolean
  /**
   * The release function, or null when the name is held (`wait`: until it is free, up to the lock's expiry and a
   * second more). `renew`: renewed until released (a holder that may keep a lock to expire on purpose must not ask).
   */
  acquire(name: string, options?: { wait?: boolean, renew?: boolean }): Promise<(() => Promise<void>) | null>
}

/** The part of an ioredis client the lock uses. */
export interface RedisLike {
  set(key: string, value: string, px: 'PX', ttl: number, nx: 'NX'): Promise<'OK' | null>
  eval(script: string, keys: number, ...args: string[]): Promise<unknown>
}

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`
const POLL_MS = 15
/**
 * How long a living holder goes on renewing, in lock times: its own work is bounded (each storage command and the
 * backend call time out), so one still holding the name by then is stuck, and the name must not stay blocked for good.
 */
const MAX_HOLD_TTLS = 4

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

interface LockPrimitives {
  /** Takes the name for `token` if nobody holds it. */
  tryTake(name: string, token: string): Promise<boolean>
  /** Gives the name `ttlMs` more, if `token` still holds it. */
  extend(name: string, token: string): Promise<void>
  /** Frees the name, if `token` still holds it. */
  release(name: string, token: string): Promise<void>
}

function lockWith(fleetWide: boolean, ttlMs: number, { tryTake, extend, release }: LockPrimitives): NamedLock {
  return {
    fleetWide,
    async acquire(name, { wait = true, renew = false } = {}) {
      const token = crypto.randomUUID()
      const deadline = Date.now() + ttlMs + 1000
      while (!await tryTake(name, token)) {
        if (!wait || Date.now() > deadline) return null
        // A little jitter, so waiters of many instances do not ask in step.
        await sleep(POLL_MS + Math.random() * POLL_MS)
      }
      if (!renew) return () => release(name, token)
      // Renewed while held: most holders are done in milliseconds and never get here. A renewal that fails (storage
      // away) leaves the lock to its expiry, as before it.
      let renewals = 0
      const renewing = setInterval(() => {
        if (++renewals >= MAX_HOLD_TTLS * 3) clearInterval(renewing)
        void extend(name, token).catch(() => {})
      }, ttlMs / 3)
      renewing.unref?.()
      return () => {
        clearInterval(renewing)
        return release(name, token)
      }
    },
  }
}

export function createRedisLock(client: RedisLike, prefix: string, ttlMs: number): NamedLock {
  // Sent behind a command whose answer did not come (the client's commandTimeout, during a stall or a failover):
  // Redis may still run that command once it answers again, and then runs this one after it (one connection, in
  // order). A lock taken that way has no holder who knows its token, and would block the name for its whole time.
  const releaseBehind = (key: string, token: string) => void client.eval(RELEASE, 1, key, token).catch(() => {})
  return lockWith(true, ttlMs, {
    async tryTake(name, token) {
      const key = `${prefix}${name}`
      try {
        return (await client.set(key, token, 'PX', ttlMs, 'NX')) === 'OK'
      }
      catch (error) {
        releaseBehind(key, token)
        throw error
      }
    },
    async extend(name, token) {
      await client.eval(EXTEND, 1, `${prefix}${name}`, token, String(ttlMs))
    },
    async release(name, token) {
      // One whose answer timed out still runs once Redis answers again (queued, like the take above).
      await client.eval(RELEASE, 1, `${prefix}${name}`, token)
    },
  })
}

export function createProcessLock(ttlMs: number): NamedLock {
  const held = new Map<string, { token: string, expiresAt: number }>()
  return lockWith(false, ttlMs, {
    async tryTake(name, token) {
      const now = Date.now()
      const current = held.get(name)
      if (current && current.expiresAt > now) return false
      held.set(name, { token, expiresAt: now + ttlMs })
      return true
    },
    async extend(name, token) {
      const current = held.get(name)
      if (current?.token === token) current.expiresAt = Date.now() + ttlMs
    },
    async release(name, token) {
      if (held.get(name)?.token === token) held.delete(name)
    },
  })
}
