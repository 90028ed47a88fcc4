// The guard under the names a page can list (`middleware: 'auth'` and the others in core/protocol.ts). Nuxt imports
// a named middleware lazily, and the same guard is also the global middleware, which the app imports up front: Vite
// warns on every build about a module imported both ways (as the incumbent's users see it, sidebase/nuxt-auth#669).
// Through this file the guard itself is only imported up front.
import { defineNuxtRouteMiddleware } from '#imports'
import { guardRoute } from './auth'

export default defineNuxtRouteMiddleware(guardRoute)
