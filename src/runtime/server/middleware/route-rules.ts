import { defineEventHandler } from 'h3'
import { requireServerSession } from '../authorization'

interface AuthRouteRule { roles?: string[], required?: boolean }

/**
 * `routeRules: { '/api/admin/**': { auth: { roles: ['admin'] } } }`: whole API trees refused (401/403) before
 * their handlers run. A convenience: the check inside the handler is what protects the data.
 */
export default defineEventHandler(async (event) => {
  // Nitro matched the rules for this request before any middleware ran.
  const rule = (event.context as { _nitro?: { routeRules?: { auth?: AuthRouteRule } } })._nitro?.routeRules?.auth
  if (!rule || (rule.roles === undefined && rule.required !== true)) return
  await requireServerSession(event, { roles: rule.roles })
})
