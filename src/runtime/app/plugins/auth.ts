import { getResponseHeader, setResponseHeader, type H3Event } from 'h3'
import { toRaw } from 'vue'
import { defineNuxtPlugin, useRequestEvent, useRuntimeConfig } from '#imports'
import browserStrategy from '#auth-browser-strategy'
import type { ClientStrategy } from '../../core'
import type { PublicAuthConfig } from '../../core/config'
import { resolveAuthConfig } from '../../shared/config'
import { createAuthFetch } from '../composables/useAuthFetch'
import { createAuthManager } from '../manager'
import { scheduleChecks } from '../scheduling'
import { observeFromNow, writeAuthState } from '../state'
import type { ServerSessionLookup } from '../../shared/server-session'

// Per process, not per request: the server's session lookup (its cache and verifier live as long as the process),
// the resolved config (the server's runtime config is the same for every request it serves), the provider's strategy.
let serverLookup: ServerSessionLookup | undefined
let serverConfig: PublicAuthConfig | undefined
let serverStrategy: ClientStrategy<unknown> | undefined

export default defineNuxtPlugin({
  name: 'gatekeeper',
  async setup(nuxtApp) {
    const runtimeConfig = useRuntimeConfig()
    const config = import.meta.server ? serverConfig ??= resolveAuthConfig(runtimeConfig.public.auth) : resolveAuthConfig(runtimeConfig.public.auth)
    // Server-only code (jose's verification, node:crypto) stays out of the client bundle: a dead branch there.
    if (import.meta.server) serverLookup ??= (await import('../../shared/server-session')).processSessionLookup()
    // The provider's strategy, imported here on the server only: the browser's comes with the backend-calling chunk.
    if (import.meta.server) serverStrategy ??= (await import('#auth-provider')).default
    // The request's event, looked up once for the manager, the payload hook and the route rules.
    const event = import.meta.server ? useRequestEvent(nuxtApp as never) : undefined
    const manager = createAuthManager(nuxtApp as never, config, import.meta.client ? browserStrategy : serverStrategy!, event, import.meta.server ? serverLookup : undefined)
    const { store } = manager

    if (import.meta.server) {
      // The server's clock travels with the page: the browser judges token expiry by it, not by its own.
      // Not in a prerendered page: its render time is the build's, not now.
      if (!import.meta.prerender) store.serverTime = Date.now()
      // What the render ended with: a refresh during the check (or a useAuthFetch during the render) changes it.
      // A named function: hookable names an anonymous one with Object.defineProperty, for every request.
      nuxtApp.hooks.hook('app:rendered', function carryStateToPage({ renderResult }) {
        // Written past the proxies: the render is over, nothing is left to react, and a reactive write costs a trigger.
        const fields = toRaw(manager.stateFields)
        fields.tokensSeen = manager.tokens.seen()
        writeAuthState(nuxtApp, fields, renderResult)
        // A page with a visitor's session in it is theirs alone: no shared cache (CDN, proxy) may keep it,
        // unless the app said otherwise for this response.
        if (event && store.data && !getResponseHeader(event, 'cache-control')) setResponseHeader(event, 'cache-control', 'private, no-store')
      })
      if (!serverCheckDisabled(config, event)) {
        // One check per SSR request; the verdict travels with the page so the client does not ask again.
        const checking = manager.ensureChecked()
        if (checking) await checking
        store.checkedOnServer = store.machine.phase !== 'unknown'
      }
      observeFromNow(store)
    }
    else {
      if (nuxtApp.isHydrating && nuxtApp.payload.serverRendered && store.tokensSeen) {
        manager.tokens.matchServerRender(store.tokensSeen)
        nuxtApp.hooks.hookOnce('app:suspense:resolve', () => manager.tokens.sync())
      }
      // The server rendered about when this page's navigation started (in the clock Date.now() reads).
      if (store.serverTime !== undefined) manager.clock.observe(store.serverTime, Date.now() - performance.now())
      if (!store.checkedOnServer) {
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
      const stopChecks = scheduleChecks({ ...manager, refresher: manager.refresher(), sessionRefresh: config.sessionRefresh, session: manager })
      // Timers and listeners end with the app (unmount), not with the tab.
      const dispose = () => {
        stopChecks()
        manager.dispose()
      }
      nuxtApp.vueApp.onUnmount(dispose)
    }

    // Plain properties rather than `provide`: Nuxt's provide defines an accessor per name on the app and another on
    // the templates' globals, and on the server those four definitions cost a render more than the rest of this
    // plugin's set-up. Typed in types/gatekeeper-hooks.d.ts (module.ts).
    const authFetch = createAuthFetch(manager)
    nuxtApp.$gatekeeper = manager
    nuxtApp.$authFetch = authFetch
    nuxtApp.vueApp.config.globalProperties.$authFetch = authFetch
  },
})

function serverCheckDisabled(config: PublicAuthConfig, event: H3Event | undefined): boolean {
  // Prerendering is known from the build Nitro made for it, never from a request header a client can send.
  if (import.meta.prerender) return true
  const rules = (event?.context as { _nitro?: { routeRules?: { auth?: { disableServerSideAuth?: boolean } } } } | undefined)?._nitro?.routeRules
  // A route's rule wins over the global option, either way (as with the incumbent).
  return rules?.auth?.disableServerSideAuth ?? config.disableServerSideAuth
}
