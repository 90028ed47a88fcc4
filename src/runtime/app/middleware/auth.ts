import type { RouteLocationNormalized } from 'vue-router'
import { defineNuxtRouteMiddleware, useNuxtApp } from '#imports'
import { listsAuthMiddleware } from '../../core/guard'
import { useAuthManager } from '../composables/useAuth'

/**
 * The global guard. With `globalAppMiddleware` off, a page that lists the guard by name (`middleware: ['first',
 * 'sidebase-auth']`) gets it where it listed it, after the middleware before it, as with the incumbent: the global
 * one, which runs before every listed middleware, leaves that page to the named one (by-name.ts).
 */
export default defineNuxtRouteMiddleware((to) => {
  const { config } = useAuthManager()
  if (listsAuthMiddleware(to.meta.middleware, config.appMiddlewareNames) && !config.globalAppMiddleware.isEnabled) return
  return guardRoute(to)
})

/**
 * The route guard: `definePageMeta({ auth })` decides; see core/guard.ts for the table. Never starts a
 * second session check: it awaits the one in flight.
 */
export async function guardRoute(to: RouteLocationNormalized) {
  const manager = useAuthManager()
  let target = manager.guardTarget(to)
  if (target === 'wait') {
    // Hydrating a page whose server skipped the check: the client checks after mount and re-applies the guard,
    // so the first client render matches the server's.
    const nuxtApp = useNuxtApp()
    if (import.meta.server || (nuxtApp.isHydrating && nuxtApp.payload.serverRendered)) return
    await manager.ensureChecked()
    target = manager.guardTarget(to)
    // A check that failed leaves no verdict, and the guard answers that with the login page (tokens kept).
    // 'wait' here means the check was overtaken (a sign-in or sign-out meanwhile), which decides by itself.
    if (target === 'wait') return
  }
  if (target) return manager.guardNavigate(target)
  // Hydrating the error page the server rendered for this route (its 403): the server decided, and the same error
  // raised again during hydration is logged by Nuxt as a failed start.
  if (import.meta.client) {
    const nuxtApp = useNuxtApp()
    if (nuxtApp.isHydrating && nuxtApp.payload.serverRendered && nuxtApp.payload.error) return
  }
  // Signed in: the page's roles or ability, if it asks any (a 403 or the forbidden page otherwise). Most pages ask
  // neither: then there is nothing to wait for.
  const access = manager.accessTarget(to)
  const denied = access && await access
  if (typeof denied === 'string') return manager.guardNavigate(denied)
  if (denied) return denied
}
