import { forgetCachedSession } from '../../shared/session-cache'
import { assertSameOriginJson, relayContext, relayError } from '../relay'
import { defineRelayRoute } from '../relay-route'

/** POST /api/_auth/signout: tells the backend, then drops the cookie whatever the backend answered. */
export default defineRelayRoute(async (event) => {
  assertSameOriginJson(event)
  const relay = relayContext(event)
  let backendError: string | null = null
  try {
    await relay.strategy.signOut(relay.context)
  }
  catch (error) {
    backendError = (error as { code?: string }).code ?? 'BAD_RESPONSE'
  }
  await forgetCachedSession(relay.context.token())
  relay.tokens.clear()
  // Session mode: the stored session is gone before the browser is told; a storage that fails keeps it, and its
  // cookie, and says so (503).
  await relay.tokens.commit().catch((error: unknown) => Promise.reject(relayError(error)))
  return { ok: true, backendError }
})
