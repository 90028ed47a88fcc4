// The guard under the names a page can list (`middleware: 'auth'` and the others in core/protocol.ts). Nuxt imports
// a named middleware lazily, and the same guard is also the global middleware, which the app imports up front: Vite
// warns on every build about a module imported both ways (as the incumbent's users see it, sidebase/nuxt-auth#669).
// Through this file the guard itself is only imported up front.
// A re-export and nothing more: the build folds it into the guard's chunk. With code of its own (even a
// defineNuxtRouteMiddleware call) it became a chunk of its own, and every server render wrote one more prefetch link
// for it (about 1 % of a render's instructions in the bench).
export { guardRoute as default } from './auth'
