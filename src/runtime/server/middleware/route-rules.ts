import { defineEventHandler, getRequestURL } from 'h3'
import { RELAY_ROUTES } from '../../core/protocol'
import { requireServerSession } from '../authorization'
import { serverAuthConfig } from '../config'

interface AuthRouteRule { roles?: string[], required?: boolean }

const relayPrefix = RELAY_ROUTES.session.path.replace(/\/[^/]*$/, '/')

/**
 * `routeRules: { '/api/admin/**': { auth: { roles: ['admin'] } } }`: whole API trees refused (401/403) before
 * their handlers run. A convenience: the check inside the handler is what protects the data. For API routes:
 * the module's own routes (signing in, the session check, a backend under `baseURL`) are never refused by it,
 * or a rule on `/api/**` would leave nobody a way to sign in.
 */
export default defineEventHandler(async (event) => {
  // Nitro matched the rules for this request before any middleware ran.
  const rule = (event.context as { _nitro?: { routeRules?: { auth?: AuthRouteRule } } })._nitro?.routeRules?.auth
  if (!rule || (rule.roles === undefined && rule.required !== true)) return
  const { pathname } = getRequestURL(event)
  const { baseURL } = serverAuthConfig()
  if (pathname.startsWith(relayPrefix) || (baseURL.startsWith('/') && (pathname === baseURL || pathname.startsWith(`${baseURL.replace(/\/$/, '')}/`)))) return
  await requireServerSession(event, { roles: rule.roles })
})
