import { defineNitroPlugin, useRuntimeConfig, useStorage } from 'nitropack/runtime'
import { requestSession, commitRequestSession } from '../sessions/request'
import { sessionSecrets, startSessionService } from '../sessions/service'
import type { SessionSettings } from '../sessions/store'

/** Where session mode mounts its storage when the app does not name a mount of its own. */
const MOUNT = 'gatekeeper-sessions'

/**
 * Session mode's start: the secrets checked (production stops here without one), the storage mounted from the
 * environment (a Redis URL is known at run time, not at build), the sweep of storages that do not expire keys.
 */
export default defineNitroPlugin((nitroApp) => {
  const runtime = useRuntimeConfig()
  const settings = (runtime.auth as unknown as { sessions: SessionSettings }).sessions
  const requestTimeout = Number((runtime.public.auth as { requestTimeout?: number } | undefined)?.requestTimeout) || 10_000
  // Thrown here, the server does not start: no session can be opened or made without a secret.
  const secrets = sessionSecrets(settings, { dev: import.meta.dev, prerender: import.meta.prerender })
  const storage = useStorage()
  const own = ['memory', 'fs', 'redis'].includes(settings.storage)
  const base = own ? MOUNT : settings.storage
  const ready = (async () => {
    if (settings.storage === 'redis') {
      const { default: redisDriver } = await import('unstorage/drivers/redis')
      const url = settings.redisUrl || process.env.REDIS_URL || 'redis://127.0.0.1:6379'
      // Fail fast while Redis is away (503 at once, no queue of requests waiting), and reconnect by itself.
      storage.mount(MOUNT, redisDriver({ url, base: settings.redisBase || 'gatekeeper', enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2000, connectTimeout: 2000, lazyConnect: false }))
    }
    else if (settings.storage === 'fs') {
      const { default: fsDriver } = await import('unstorage/drivers/fs-lite')
      storage.mount(MOUNT, fsDriver({ base: settings.fsBase }))
    }
    else if (settings.storage === 'memory') {
      const { default: memoryDriver } = await import('unstorage/drivers/memory')
      storage.mount(MOUNT, memoryDriver())
    }
    // A holder that dies keeps a session's lock until the backend call it made would have timed out, and a bit.
    return await startSessionService(settings, storage, base, secrets, requestTimeout + 5000)
  })()

  let sweeper: ReturnType<typeof setInterval> | undefined
  void ready.then((service) => {
    if (service.expiresKeys) return
    // Storages that keep keys forever are swept of expired sessions (and bounded, for memory).
    sweeper = setInterval(() => void service.sweep().catch(error => console.warn(`[nuxt-gatekeeper] session sweep: ${(error as Error)?.message ?? error}`)), Math.min(60, settings.idleTimeout) * 1000)
    sweeper.unref?.()
  })
  nitroApp.hooks.hook('close', async () => {
    clearInterval(sweeper)
    if (own) await storage.unmount(MOUNT).catch(() => {})
  })
  // What a request wrote and did not store itself (its routes commit theirs), before the answer leaves.
  nitroApp.hooks.hook('beforeResponse', async (event) => {
    const state = requestSession(event)
    if (state) await commitRequestSession(state).catch(() => {})
  })
})
