import { forgetCachedSession } from '../../shared/session-cache'
import { assertSameOriginJson, relayContext } from '../relay'
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
  // Session mode: the stored session is gone before the browser is told.
  await relay.tokens.commit()
  return { ok: true, backendError }
})
