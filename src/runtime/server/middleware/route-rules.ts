import { createDefu } from 'defu'
import { defineEventHandler } from 'h3'
import { createRouter, toRouteMatcher, type RouteMatcher } from 'radix3'
import { hasProtocol, joinURL, withLeadingSlash, withoutBase, withoutTrailingSlash } from 'ufo'
import { useRuntimeConfig } from '#imports'
import { RELAY_ROUTES } from '../../core/protocol'
import { requireServerSession } from '../authorization'
import { serverAuthConfig } from '../config'
import { serverSettings } from '../../shared/server-settings'

interface AuthRouteRule { roles?: string[], required?: boolean }
type MatchedRule = { auth?: AuthRouteRule | false }

// Dot segments and backslashes, plain or percent-encoded, and encoded slashes: a URL parser reads a path with them
// as another path (`/api/admin/%2e%2e/_auth/x` is `/api/_auth/x`), while Nitro matched its rules and picks the
// handler on the path as sent. Such a path is never taken for one of the exempt routes.
const RESHAPED_PATH = /%2e|%2f|%5c|\\|\/\.\.?(?:\/|$)/i

/**
 * `routeRules: { '/api/admin/**': { auth: { roles: ['admin'] } } }`: whole API trees refused (401/403) before
 * their handlers run. A convenience: the check inside the handler is what protects the data. For API routes:
 * the module's own routes (its /api/_auth routes, and the backend's routes it calls under a path `baseURL`) are
 * never refused by it, or a rule on `/api/**` would leave nobody a way to sign in.
 */
export default defineEventHandler(async (event) => {
  const path = event.path.split('?', 1)[0]!
  const rule = authRuleFor(path)
  if (!rule || (rule.roles === undefined && rule.required !== true)) return
  if (!isExempt(path, event.method)) await requireServerSession(event, { roles: rule.roles })
})

// A more specific rule's list replaces a broader one's: Nitro's own merge (defu) joins lists, so `/api/**` with
// roles ['user'] and `/api/admin/**` with ['admin'] would let any user into /api/admin (either role suffices).
const mergeRules = createDefu((merged, key, value) => {
  if (!Array.isArray(value)) return false
  merged[key] = value
  return true
})
let matcher: RouteMatcher | undefined

/**
 * The `auth` of the route rules matching `path`, merged as Nitro merges route rules (the more specific wins key by
 * key) except for lists. Matched on the app's own rules (runtime config, as Nitro matches them, with radix3), since
 * the rule Nitro hands the request has its lists joined already.
 */
function authRuleFor(path: string): AuthRouteRule | false | undefined {
  matcher ??= toRouteMatcher(createRouter({
    routes: Object.fromEntries(Object.entries(useRuntimeConfig().nitro?.routeRules ?? {}).filter(([, rule]) => (rule as MatchedRule).auth !== undefined)),
  }))
  // Broadest first: the most specific goes in front, where defu gives priority.
  return (mergeRules({}, ...(matcher.matchAll(path) as MatchedRule[]).reverse()) as MatchedRule).auth
}

/**
 * Whether `path` is one of the module's own routes or a backend route it calls under a relative `baseURL` (the
 * provider's `backendRoutes`): not every path under `baseURL`, which may be a parent of the app's whole API
 * (`baseURL: '/api'`). `path` is the one the rules are matched against here and the router routes by: as sent,
 * without the app's base (`app.baseURL`), which h3 strips before middleware runs.
 */
function isExempt(path: string, method: string): boolean {
  if (RESHAPED_PATH.test(path)) return false
  // Nitro routes `/login/` to `/login`'s handler; an endpoint may be written without its leading slash.
  const routed = withoutTrailingSlash(path)
  // The module's routes, each with its own method only: anything else under /api/_auth is the app's to answer.
  if (Object.values(RELAY_ROUTES).some(route => route.path === routed && route.method === method.toLowerCase())) return true
  const { baseURL } = serverAuthConfig()
  if (!baseURL.startsWith('/')) return false
  // auth.baseURL is relative to the app's base (the browser's $fetch prefixes it), or may already include it.
  const backend = withoutBase(baseURL, useRuntimeConfig().app.baseURL).replace(/\/$/, '')
  return serverSettings().backendRoutes.some(route => route.path === '/**'
    ? path === backend || path.startsWith(`${backend}/`)
    // The endpoint's own method only: the app's PATCH on the session endpoint's path is the app's route.
    : (route.method === undefined || route.method.toUpperCase() === method.toUpperCase())
      && !hasProtocol(route.path) && routed === withoutTrailingSlash(withLeadingSlash(joinURL(backend, route.path.split('?', 1)[0]!))))
}
