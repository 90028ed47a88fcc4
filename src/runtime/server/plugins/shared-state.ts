import { prefixStorage } from 'unstorage'
import { defineNitroPlugin, useStorage } from 'nitropack/runtime'
import { serverSettings } from '../../shared/server-settings'
import { setSharedState } from '../../shared/shared-state'
import { createSessionKeys } from '../sessions/keys'
import { checkStorageChoice, lockFor, mountStorage, sessionSecrets, type StorageChoice } from '../sessions/service'
import { serverAuthConfig } from '../config'

/** `auth.sharedState`: the storage every instance shares for the session cache and the refresh de-dup. */
export default defineNitroPlugin((nitroApp) => {
  const settings = serverSettings().sharedState as StorageChoice & { secret: string }
  const { requestTimeout } = serverAuthConfig()
  // Refresh answers hold tokens: sealed like session mode's records. Without a secret production does not start.
  const secrets = sessionSecrets(settings, { dev: import.meta.dev, prerender: import.meta.prerender, variable: 'NUXT_AUTH_SHARED_STATE_SECRET', option: 'auth.sharedState' })
  const storage = useStorage()
  checkStorageChoice(storage, settings, { option: 'auth.sharedState.storage', variable: 'NUXT_AUTH_SHARED_STATE_STORAGE' })
  const mounted = mountStorage(storage, 'gatekeeper-shared', settings)
  const lockTtlMs = 2 * requestTimeout + 5000
  const state = (async () => {
    const base = await mounted
    const lock = lockFor(storage, base, lockTtlMs)
    // Its whole point is a lock every instance sees.
    if (!lock.fleetWide) throw new Error(`[nuxt-gatekeeper] auth.sharedState.storage "${settings.storage}" is no Redis mount (unstorage's redis driver), so its locks would hold in one process only: use 'redis'`)
    return { storage: prefixStorage(storage, base), keys: await createSessionKeys(secrets), lock, name: settings.storage, lockTtlMs }
  })()
  // Failing to start is said at once; the requests that need it fall back to this process (see its users).
  state.catch(error => console.error(`[nuxt-gatekeeper] auth.sharedState could not start: ${(error as Error)?.message ?? error}`))
  setSharedState(state)
  nitroApp.hooks.hook('close', async () => {
    const base = await mounted.catch(() => null)
    if (base === 'gatekeeper-shared') await storage.unmount(base).catch(() => {})
  })
})
