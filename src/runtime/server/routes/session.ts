import { refuseCrossSite } from '../relay'
import { checkSessionNow } from '../session'
import { defineRelayRoute } from '../relay-route'

/**
 * GET /api/_auth/session: the browser's session check with httpOnly token cookies, answered by the server
 * utilities (asking the backend, not the cache): a due access token refreshed first (once per browser, the rotated cookies set on this answer), the
 * session through the server's lookup, a refused cookie dropped, an outage a 503 that signs nobody out.
 */
export default defineRelayRoute(async (event) => {
  // It may rotate the cookies: not for another site's page.
  refuseCrossSite(event)
  return { session: await checkSessionNow(event) }
})
