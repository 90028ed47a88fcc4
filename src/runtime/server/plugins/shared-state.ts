import { prefixStorage } from 'unstorage'
import { defineNitroPlugin, useRuntimeConfig, useStorage } from 'nitropack/runtime'
import { setSharedState } from '../../shared/shared-state'
import { createSessionKeys } from '../sessions/keys'
import { lockFor, mountStorage, sessionSecrets, type StorageChoice } from '../sessions/service'

/** `auth.sharedState`: the storage every instance shares for the session cache and the refresh de-dup. */
export default defineNitroPlugin((nitroApp) => {
  const runtime = useRuntimeConfig()
  const settings = (runtime.auth as unknown as { sharedState: StorageChoice & { secret: string } }).sharedState
  const requestTimeout = Number((runtime.public.auth as { requestTimeout?: number } | undefined)?.requestTimeout) || 10_000
  // Refresh answers hold tokens: sealed like session mode's records. Without a secret production does not start.
  const secrets = sessionSecrets(settings, { dev: import.meta.dev, prerender: import.meta.prerender, variable: 'NUXT_AUTH_SHARED_STATE_SECRET', option: 'auth.sharedState' })
  const storage = useStorage()
  const mounted = mountStorage(storage, 'gatekeeper-shared', settings)
  const lockTtlMs = requestTimeout + 5000
  setSharedState((async () => {
    const base = await mounted
    return { storage: prefixStorage(storage, base), keys: await createSessionKeys(secrets), lock: lockFor(storage, base, lockTtlMs), name: settings.storage, lockTtlMs }
  })())
  nitroApp.hooks.hook('close', async () => {
    const base = await mounted.catch(() => null)
    if (base === 'gatekeeper-shared') await storage.unmount(base).catch(() => {})
  })
})
