import { joinURL, withTrailingSlash } from 'ufo'
import { defineNitroPlugin, useRuntimeConfig, useStorage } from 'nitropack/runtime'
import { RELAY_ROUTES } from '../../core/protocol'
import { serverSettings } from '../../shared/server-settings'
import { attachRequestSession, notStartedMessage } from '../sessions/arrival'
import { commitRequestSession, requestSession } from '../sessions/request'
import { checkStorageChoice, mountStorage, sessionSecrets, startSessionService } from '../sessions/service'
import type { SessionSettings } from '../sessions/store'
import { serverAuthConfig } from '../config'

/**
 * Session mode's start: the secrets checked (production stops here without one), the storage mounted from the
 * environment, the sweep of storages that do not expire keys themselves.
 */
export default defineNitroPlugin((nitroApp) => {
  const runtime = useRuntimeConfig()
  const settings = serverSettings().sessions as SessionSettings
  const config = serverAuthConfig()
  const { requestTimeout } = config
  // Thrown here, the server does not start: no session can be opened or made without a secret.
  const secrets = sessionSecrets(settings, { dev: import.meta.dev, prerender: import.meta.prerender })
  // Run-time values (NUXT_AUTH_SESSIONS_*) skip the build's checks: a timeout that is no number stops the server.
  for (const [key, variable] of [['idleTimeout', 'NUXT_AUTH_SESSIONS_IDLE_TIMEOUT'], ['maxAge', 'NUXT_AUTH_SESSIONS_MAX_AGE'], ['maxEntries', 'NUXT_AUTH_SESSIONS_MAX_ENTRIES']] as const) {
    if (!(Number(settings[key]) > 0)) throw new Error(`[nuxt-gatekeeper] auth.sessions: ${variable} must be a positive number, got ${JSON.stringify(settings[key])}`)
  }
  // Written as cookies write it (`None` as `none`, which also decides `Secure`); another value would fail every
  // session cookie's write, after the session was stored.
  const sameSite = String(settings.sameSite).trim().toLowerCase()
  if (sameSite !== 'lax' && sameSite !== 'strict' && sameSite !== 'none') throw new Error(`[nuxt-gatekeeper] auth.sessions: NUXT_AUTH_SESSIONS_SAME_SITE must be lax, strict or none, got ${JSON.stringify(settings.sameSite)}`)
  settings.sameSite = sameSite
  const storage = useStorage()
  checkStorageChoice(storage, settings, { option: 'auth.sessions.storage', variable: 'NUXT_AUTH_SESSIONS_STORAGE' })
  const mounted = mountStorage(storage, 'gatekeeper-sessions', settings)
  // A holder that dies keeps a session's lock until the backend call it made would have timed out (twice), and a bit.
  const ready = startSessionService(settings, storage, mounted, secrets, 2 * requestTimeout + 5000)
  // The `request` hook sees the path with the app's base (app.baseURL) still on it.
  const app = runtime.app as { baseURL?: string, buildAssetsDir?: string } | undefined
  const assets = withTrailingSlash(joinURL(app?.baseURL ?? '/', app?.buildAssetsDir ?? '/_nuxt/'))

  // Each request's session, loaded when it arrives: before the app's own server middleware, which may read it.
  const signIns = [RELAY_ROUTES.signIn.path, RELAY_ROUTES.signUp.path].map(path => joinURL(app?.baseURL ?? '/', path))
  nitroApp.hooks.hook('request', event => attachRequestSession(event, ready, { settings, config, assets, signIns }))

  let sweeper: ReturnType<typeof setInterval> | undefined
  void ready.then((service) => {
    if (!service.fleetWide && !['memory', 'fs'].includes(settings.storage)) {
      console.warn(`[nuxt-gatekeeper] auth.sessions.storage "${settings.storage}" is no Redis mount (unstorage's redis driver): its session locks hold in this process only, so run one instance, or use Redis`)
    }
    if (service.expiresKeys) return
    // Storages that keep keys forever are swept of expired sessions (and bounded, for memory).
    sweeper = setInterval(() => void service.sweep().catch(error => console.warn(`[nuxt-gatekeeper] session sweep: ${(error as Error)?.message ?? error}`)), Math.min(60, settings.idleTimeout) * 1000)
    sweeper.unref?.()
  }, error => console.error(`[nuxt-gatekeeper] ${notStartedMessage(error)}`))
  nitroApp.hooks.hook('close', async () => {
    clearInterval(sweeper)
    ;(await ready.catch(() => null))?.records.close()
    const base = await mounted.catch(() => null)
    if (base === 'gatekeeper-sessions') await storage.unmount(base).catch(() => {})
  })
  // What a request wrote and did not store itself (its routes commit theirs), before the answer leaves.
  nitroApp.hooks.hook('beforeResponse', async (event) => {
    const state = requestSession(event)
    if (state) await commitRequestSession(state).catch(() => {})
  })
})
