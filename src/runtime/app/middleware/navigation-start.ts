import { defineNuxtRouteMiddleware } from '#imports'
import { useAuthManager } from '../composables/useAuth'

/**
 * The first global middleware (prepended): tells the guard a navigation has begun, before any middleware may decide
 * about it, so that a verdict arriving while it is under way waits for it (navigation.ts). Decides nothing itself.
 */
export default defineNuxtRouteMiddleware((to) => {
  if (import.meta.client) useAuthManager().navigationStarted(to)
})
