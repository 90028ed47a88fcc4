import type { RouteLocationNormalized } from 'vue-router'
import { defineNuxtRouteMiddleware, useNuxtApp } from '#imports'
import { useAuthManager } from '../composables/useAuth'
import type { AuthManager } from '../manager'

/**
 * The route guard: `definePageMeta({ auth })` decides; see core/guard.ts for the table. Never starts a
 * second session check: it awaits the one in flight. Synchronous where it can decide at once (a page it lets
 * through or sends away, and every server render), so most navigations make no promise here.
 */
export default defineNuxtRouteMiddleware((to) => {
  const manager = useAuthManager()
  const target = manager.guardTarget(to)
  if (target === 'wait') {
    // Hydrating a page whose server skipped the check: the client checks after mount and re-applies the guard,
    // so the first client render matches the server's.
    const nuxtApp = useNuxtApp()
    if (import.meta.server || (nuxtApp.isHydrating && nuxtApp.payload.serverRendered)) return
    return afterCheck(manager, to)
  }
  if (target) return manager.guardNavigate(target)
  // Signed in: the page's roles or ability, if it asks any (a 403 or the forbidden page otherwise).
  const access = manager.accessTarget(to)
  if (access) return applyAccess(manager, access)
})

/** The guard once the session check in flight (or a new one) has given its verdict. */
async function afterCheck(manager: AuthManager, to: RouteLocationNormalized) {
  await manager.ensureChecked()
  const target = manager.guardTarget(to)
  // A check that failed leaves no verdict, and the guard answers that with the login page (tokens kept).
  // 'wait' here means the check was overtaken (a sign-in or sign-out meanwhile), which decides by itself.
  if (target === 'wait') return
  if (target) return manager.guardNavigate(target)
  const access = manager.accessTarget(to)
  if (access) return await applyAccess(manager, access)
}

/** A page's roles or ability not met: the forbidden page, or the 403 error. */
async function applyAccess(manager: AuthManager, access: NonNullable<ReturnType<AuthManager['accessTarget']>>) {
  const denied = await access
  if (typeof denied === 'string') return manager.guardNavigate(denied)
  if (denied) return denied
}
