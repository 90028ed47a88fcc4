import { defineNuxtPlugin, useRequestEvent, useRuntimeConfig } from '#imports'
import providerStrategy, { browserStrategy } from '#auth-provider'
import type { PublicAuthConfig } from '../../core/config'
import { resolveAuthConfig } from '../../shared/config'
import { createAuthFetch } from '../composables/useAuthFetch'
import { watchTokenExpiry } from '../expiry'
import { createAuthManager, type AuthManager } from '../manager'
import { refreshLeadMs } from '../../core/token'
import type { SessionCacheSettings } from '../../shared/session-cache'

export default defineNuxtPlugin({
  name: 'gatekeeper',
  dependsOn: ['pinia'],
  async setup(nuxtApp) {
    const runtimeConfig = useRuntimeConfig()
    const config = resolveAuthConfig(runtimeConfig.public.auth)
    const sessionCache = import.meta.server ? (runtimeConfig.auth as { sessionCache?: SessionCacheSettings } | undefined)?.sessionCache : undefined
    const manager = createAuthManager(nuxtApp as never, config, import.meta.client ? browserStrategy : providerStrategy, sessionCache)

    if (import.meta.server) {
      if (!serverCheckDisabled(config)) {
        // One check per SSR request; the verdict travels in the payload so the client does not ask again.
        await manager.ensureChecked()
        manager.store.checkedOnServer = manager.store.machine.phase !== 'unknown'
      }
    }
    else if (!manager.store.checkedOnServer) {
      if (nuxtApp.isHydrating && nuxtApp.payload.serverRendered) {
        // Check after hydration so the first client render equals the server's, then re-apply the guard.
        nuxtApp.hooks.hookOnce('app:suspense:resolve', async () => {
          await manager.ensureChecked()
          await manager.enforceGuard()
        })
      }
      else {
        // SPA (ssr: false): start now; the guard awaits this same request before the first page renders.
        void manager.ensureChecked()
      }
    }

    if (import.meta.client) scheduleChecks(manager, config)

    return { provide: { gatekeeper: manager, authFetch: createAuthFetch(manager, config) } }
  },
})

/** Client-side triggers: before expiry, on focus, periodically. None of them shows `loading`. */
function scheduleChecks(manager: AuthManager, config: PublicAuthConfig) {
  const { refresher, tokenCookie, store } = manager
  const quietly = (promise: Promise<unknown>) => void promise.catch(() => {})
  if (tokenCookie) {
    watchTokenExpiry(tokenCookie, () => {
      if (refresher) quietly(refresher.refreshIfNeeded())
      else if (tokenCookie.value) quietly(manager.getSession())
    }, token => (refresher ? refreshLeadMs(token, config.sessionRefresh.skewSeconds) : 0))
  }
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible') return
    // Back from the background: this tab's timers may have slept through an expiry, and another tab may
    // have rotated the tokens meanwhile (the refresher reads the cookie jar before deciding).
    if (refresher) quietly(refresher.refreshIfNeeded())
    // Session checks on focus and on a timer belong to an app's own sessionRefresh.handler when it has one.
    if (!config.sessionRefresh.customHandler && config.sessionRefresh.enableOnWindowFocus && store.machine.phase === 'authenticated') quietly(manager.getSession())
  })
  const every = config.sessionRefresh.enablePeriodically
  if (every && !config.sessionRefresh.customHandler) {
    setInterval(() => {
      if (store.machine.phase === 'authenticated' && document.visibilityState === 'visible') quietly(manager.getSession())
    }, every)
  }
}

function serverCheckDisabled(config: PublicAuthConfig): boolean {
  if (config.disableServerSideAuth || import.meta.prerender) return true
  const event = useRequestEvent()
  if (event?.node.req.headers['x-nitro-prerender']) return true
  const rules = (event?.context as { _nitro?: { routeRules?: { auth?: { disableServerSideAuth?: boolean } } } } | undefined)?._nitro?.routeRules
  return rules?.auth?.disableServerSideAuth === true
}
