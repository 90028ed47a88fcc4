import { getResponseHeader, setResponseHeader, type H3Event } from 'h3'
import { toRaw, watch } from 'vue'
import type { NuxtApp } from '#app'
import { defineNuxtPlugin, useRequestEvent, useRuntimeConfig } from '#imports'
import browserStrategy from '#auth-browser-strategy'
import type { ClientStrategy } from '../../core'
import type { PublicAuthConfig } from '../../core/config'
import { resolveAuthConfig } from '../../shared/config'
import type { AuthFetch } from '../composables/useAuthFetch'
import { loadFetchHelper } from '../backend-loader'
import { createAuthManager, type AuthManager, type ServerParts } from '../manager'
import { scheduleChecks } from '../scheduling'
import { observeFromNow, writeAuthState } from '../state'
import { renderedForCache, routeRulesOf } from '../route-rules'

// Per process, not per request: the server's session lookup (its cache and verifier live as long as the process)
// and render mark, the resolved config (the server's runtime config is the same for every request it serves), the
// provider's strategy.
let serverParts: ServerParts | undefined
let fromOwnRender: ((event: H3Event) => boolean) | undefined
let readNoCookies: ((event: H3Event) => void) | undefined
let serverConfig: PublicAuthConfig | undefined
let serverStrategy: ClientStrategy<unknown> | undefined

/** The server's parts that stay out of the client bundle, loaded by the first request (the same for every later one). */
async function loadServerParts() {
  // Server-only code (jose's verification, node:crypto, the render mark) stays out of the client bundle: a dead
  // branch there.
  if (import.meta.server) {
    const renderMark = await import('../../shared/server-render-mark')
    serverParts = { lookup: (await import('../../shared/server-session')).processSessionLookup(), renderMark: renderMark.renderMarkHeader() }
    fromOwnRender = renderMark.fromOwnRender
    readNoCookies = renderMark.readNoCookies
    // The provider's strategy, imported here on the server only: the browser's comes with the backend-calling chunk.
    serverStrategy = (await import('#auth-provider')).default
  }
}

export default defineNuxtPlugin({
  name: 'gatekeeper',
  // In the browser the app's own plugins do not wait for the first session check (ssr: false: see startInBrowser);
  // Nuxt creates the app, and runs the first route's middleware, once it has answered. On the server every
  // later plugin may use the auth state: they wait.
  parallel: import.meta.client,
  // Not an async function: a server render whose session the cache holds returns no promise at all (the first
  // request, which loads the server's parts, and a check that must wait return one).
  setup(nuxtApp): Promise<void> | void {
    if (import.meta.server && !serverStrategy) return loadServerParts().then(() => nuxtApp.runWithContext(() => startAuth(nuxtApp as never)))
    return startAuth(nuxtApp as never)
  },
})

function startAuth(nuxtApp: NuxtApp): Promise<void> | void {
  const config = import.meta.server ? serverConfig ??= appAuthConfig() : appAuthConfig()
  // The request's event, looked up once for the manager, the payload hook and the route rules.
  const event = import.meta.server ? useRequestEvent(nuxtApp) : undefined
  // A render that answers another render's backend request (core/protocol.ts, RENDER_HEADER) reads no cookies: nobody
  // is signed in there. So the mark, were it ever known outside, gets a visitor what sending no cookies gets.
  const ownRender = import.meta.server && event !== undefined && fromOwnRender!(event)
  if (ownRender) readNoCookies!(event)
  const manager = createAuthManager(nuxtApp, config, import.meta.client ? browserStrategy : serverStrategy!, event, import.meta.server ? serverParts : undefined)
  const { store } = manager

  if (import.meta.client) {
    const firstCheck = startInBrowser(nuxtApp, manager)
    exposeManager(nuxtApp, manager)
    return firstCheck
  }
  // Before the check: app code its hooks run (auth:error, auth:request) may call useAuth().
  exposeManager(nuxtApp, manager, event)
  // The issuer's time as the server knows it travels with the page: the browser judges token expiry by it, not
  // by its own clock. Not in a page rendered once for many (prerendered, or cached by a route rule): its render
  // time is the build's or the cache's, and the browser would take the issuer's clock for behind by that age.
  const forCache = renderedForCache(event)
  if (!import.meta.prerender && !forCache) store.serverTime = manager.clock.now()
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
  // With the check disabled no verdict is reached, so `checkedOnServer` stays false and the browser checks.
  const checked = () => {
    store.checkedOnServer = store.machine.phase !== 'unknown'
    observeFromNow(store)
  }
  // A page rendered for Nitro's cache holds nobody's verdict: it is served to everyone, and its render sees none of
  // the visitor's cookies (the browser checks, as for disableServerSideAuth).
  if (forCache || serverCheckDisabled(config, event, ownRender)) return checked()
  // One check per SSR request; the verdict travels with the page so the client does not ask again. The session
  // cache usually answers at once (no promise); otherwise the app waits for the check, in its context again.
  const checking = manager.ensureChecked()
  if (!checking) return checked()
  return checking.then(() => nuxtApp.runWithContext(checked))
}

function appAuthConfig(): PublicAuthConfig {
  const runtime = useRuntimeConfig()
  return resolveAuthConfig(runtime.public.auth, runtime.app.baseURL)
}

/** Starts the browser's side; returns the first session check when the app must wait for it (ssr: false). */
function startInBrowser(nuxtApp: NuxtApp, manager: AuthManager): Promise<void> | undefined {
  const { store, config } = manager
  let firstCheck: Promise<void> | undefined
  if (nuxtApp.isHydrating && nuxtApp.payload.serverRendered && store.tokensSeen) {
    const { tokens } = manager
    // The server's verdict was about a request without the tokens this browser holds: a SameSite=Strict cookie on a
    // visit from another site's link, a proxy that strips Cookie. Asked again once the page has hydrated (as the
    // incumbent does), and the guard applied to the answer: the login page the server chose sends the user on.
    const seen = store.tokensSeen
    const missed = store.checkedOnServer && !seen.token && !seen.refreshToken && tokens.kept && tokens.readable && Boolean(tokens.token() || tokens.refreshToken())
    tokens.matchServerRender(seen)
    nuxtApp.hooks.hookOnce('app:suspense:resolve', () => tokens.sync())
    // Signed in after all: maybe the page an OAuth or email-link sign-in landed on (a cross-site arrival). The other
    // tabs are told, as of a first verdict (below).
    if (missed) {
      nuxtApp.hooks.hookOnce('app:suspense:resolve', () => void manager.getSession({ force: true }).then(() => {
        manager.announceSignedInLoad()
        return manager.enforceGuard()
      }, () => {}))
    }
  }
  // The server rendered about when this page's navigation started (in the clock Date.now() reads).
  if (store.serverTime !== undefined) manager.clock.observe(store.serverTime, Date.now() - performance.now())
  if (!store.checkedOnServer) {
    if (nuxtApp.isHydrating && nuxtApp.payload.serverRendered) {
      // Check after hydration so the first client render equals the server's, then re-apply the guard. Not awaited:
      // the hook's handlers run one after another, and Nuxt's next one puts a prerendered page's own URL (its query)
      // back, by a navigation whose guard run then decides with this verdict (see enforceGuard).
      nuxtApp.hooks.hookOnce('app:suspense:resolve', () => {
        void (async () => {
          await manager.ensureChecked()
          await manager.enforceGuard()
        })()
      })
    }
    else {
      // SPA (ssr: false): the app is created once the check has answered (it never rejects), as with the incumbent:
      // the first route's middleware (the guard, and the app's own reading `status`) and the first render see the
      // verdict, not 'loading'. Nothing was rendered yet to flicker. The app's plugins run meanwhile (`parallel`).
      firstCheck = manager.ensureChecked()
    }
  }
  // The page's first verdict: signed in, the other tabs are told. OAuth and email-link sign-ins end in a page load,
  // and tabs left on a login page would stay signed out until reloaded (the focus check is for signed-in tabs).
  let stopAnnounce: (() => void) | undefined
  if (store.machine.phase === 'unknown') stopAnnounce = watch(() => store.machine.phase, () => manager.announceSignedInLoad(), { once: true })
  else manager.announceSignedInLoad()
  const stopChecks = scheduleChecks({ ...manager, refresher: manager.refresher(), sessionRefresh: config.sessionRefresh, session: manager })
  // Timers and listeners end with the app (unmount), not with the tab.
  nuxtApp.vueApp.onUnmount(() => {
    stopAnnounce?.()
    stopChecks()
    manager.dispose()
  })
  return firstCheck
}

/**
 * Hands the manager and the fetch helper to the app. Plain properties rather than `provide`: Nuxt's provide
 * defines an accessor per name on the app and another on the templates' globals, and on the server those four
 * definitions cost a render more than the rest of this plugin's set-up. Typed in types/gatekeeper-hooks.d.ts (module.ts).
 * The helper's code is a chunk of its own, loaded by the first call: the first render in the browser calls nothing.
 */
function exposeManager(nuxtApp: NuxtApp, manager: AuthManager, event?: H3Event) {
  let made: AuthFetch | undefined
  // In the app's context again once the chunk is in (on the server, the DevTools log of a render finds it there).
  const authFetch = (async (request, options) => {
    const code = made ? undefined : await loadFetchHelper()
    return await nuxtApp.runWithContext(() => (made ??= code!.createAuthFetch(manager, event))(request, options))
  }) as AuthFetch
  nuxtApp.$gatekeeper = manager
  nuxtApp.$authFetch = authFetch
  nuxtApp.vueApp.config.globalProperties.$authFetch = authFetch
}

function serverCheckDisabled(config: PublicAuthConfig, event: H3Event | undefined, ownRender: boolean): boolean {
  // Prerendering is known from the build Nitro made for it, never from a request header a client can send.
  if (import.meta.prerender) return true
  if (event && ownRender) {
    // This render answers another render's backend request: a check here would start the next one (core/protocol.ts,
    // RENDER_HEADER).
    warnRenderedForRender(config, event)
    return true
  }
  // A route's rule wins over the global option, either way (as with the incumbent).
  return routeRulesOf(event)?.auth?.disableServerSideAuth ?? config.disableServerSideAuth
}

let warnedRenderedForRender = false

/** Once per process: the backend's endpoints are pages of this app, which no render can fix by itself. */
function warnRenderedForRender(config: PublicAuthConfig, event: H3Event) {
  if (warnedRenderedForRender) return
  warnedRenderedForRender = true
  console.warn(`[nuxt-gatekeeper] A server render asked the backend for ${event.path}, and a page of this app answered: nothing serves the auth endpoints at auth.baseURL "${config.baseURL}". Check auth.baseURL, NUXT_PUBLIC_AUTH_BASE_URL and ${config.originEnvKey}, and that the backend's routes exist. Until then server renders reach no verdict.`)
}
