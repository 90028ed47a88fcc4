import { endRefreshOnServer } from '../../shared/server-refresh'
import { forgetCachedSession } from '../../shared/session-cache'
import { assertSameOriginJson, relayContext, relayError } from '../relay'
import { defineRelayRoute } from '../relay-route'

/**
 * POST /api/_auth/signout: tells the backend, then drops the cookies whatever the backend answered. A refresh of
 * the same tokens still on its way (another tab's) ends with them.
 */
export default defineRelayRoute(async (event) => {
  assertSameOriginJson(event)
  const relay = relayContext(event)
  const presented = relay.context.token()
  // Another tab's refresh of these tokens, still on its way: it sets nothing now, and its successor is ended here.
  await endRefreshOnServer(relay.tokens, event)
  let backendError: string | null = null
  try {
    await relay.strategy.signOut(relay.context)
  }
  catch (error) {
    backendError = (error as { code?: string }).code ?? 'BAD_RESPONSE'
  }
  const successor = relay.context.token()
  await Promise.all([forgetCachedSession(presented), successor !== presented && forgetCachedSession(successor)])
  relay.tokens.clear()
  // Session mode: the stored session is gone before the browser is told; a storage that fails keeps it, and its
  // cookie, and says so (503).
  await relay.tokens.commit({ signedOut: true }).catch((error: unknown) => Promise.reject(relayError(error)))
  return { ok: true, backendError }
})
