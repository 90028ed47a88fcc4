import { refreshOnServer, responseSent } from '../../shared/server-refresh'
import { assertSameOriginJson, relayContext, relayError } from '../relay'
import { defineRelayRoute } from '../relay-route'

/**
 * POST /api/_auth/refresh: spends the refresh cookie and sets the rotated cookies on the answer. A refusal
 * leaves the cookies alone: the browser decides whether it is a verdict on the session it still holds.
 */
export default defineRelayRoute(async (event) => {
  assertSameOriginJson(event)
  const relay = relayContext(event)
  try {
    await refreshOnServer(relay.strategy, relay.context, relay.tokens, () => responseSent(event), event)
  }
  catch (error) {
    throw relayError(error)
  }
  return { ok: true }
})
