import { defineNitroPlugin, useRuntimeConfig, useStorage } from 'nitropack/runtime'
import { requestSession, commitRequestSession } from '../sessions/request'
import { mountStorage, sessionSecrets, startSessionService } from '../sessions/service'
import type { SessionSettings } from '../sessions/store'

/**
 * Session mode's start: the secrets checked (production stops here without one), the storage mounted from the
 * environment, the sweep of storages that do not expire keys themselves.
 */
export default defineNitroPlugin((nitroApp) => {
  const runtime = useRuntimeConfig()
  const settings = (runtime.auth as unknown as { sessions: SessionSettings }).sessions
  const requestTimeout = Number((runtime.public.auth as { requestTimeout?: number } | undefined)?.requestTimeout) || 10_000
  // Thrown here, the server does not start: no session can be opened or made without a secret.
  const secrets = sessionSecrets(settings, { dev: import.meta.dev, prerender: import.meta.prerender })
  const storage = useStorage()
  const mounted = mountStorage(storage, 'gatekeeper-sessions', settings)
  // A holder that dies keeps a session's lock until the backend call it made would have timed out, and a bit.
  const ready = startSessionService(settings, storage, mounted, secrets, requestTimeout + 5000)

  let sweeper: ReturnType<typeof setInterval> | undefined
  void ready.then((service) => {
    if (service.expiresKeys) return
    // Storages that keep keys forever are swept of expired sessions (and bounded, for memory).
    sweeper = setInterval(() => void service.sweep().catch(error => console.warn(`[nuxt-gatekeeper] session sweep: ${(error as Error)?.message ?? error}`)), Math.min(60, settings.idleTimeout) * 1000)
    sweeper.unref?.()
  })
  nitroApp.hooks.hook('close', async () => {
    clearInterval(sweeper)
    const base = await mounted.catch(() => null)
    if (base === 'gatekeeper-sessions') await storage.unmount(base).catch(() => {})
  })
  // What a request wrote and did not store itself (its routes commit theirs), before the answer leaves.
  nitroApp.hooks.hook('beforeResponse', async (event) => {
    const state = requestSession(event)
    if (state) await commitRequestSession(state).catch(() => {})
  })
})
