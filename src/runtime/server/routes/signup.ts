import { AuthError } from '../../core'
import { credentialsError } from '../../shared/sign-in'
import { readJsonWithin } from '../body'
import { assertSameOriginJson, relayContext, relayError } from '../relay'
import { defineRelayRoute } from '../relay-route'

/** POST /api/_auth/signup { credentials }: relays the sign-up; signing in afterwards is the client's next call. */
export default defineRelayRoute(async (event) => {
  assertSameOriginJson(event)
  const relay = relayContext(event)
  if (!relay.strategy.signUp) throw relayError(new AuthError('NOT_SUPPORTED', 'This provider has no signUp'))
  const body = await readJsonWithin<{ credentials?: Record<string, unknown>, headers?: unknown }>(event)
  try {
    return { response: await relay.strategy.signUp(relay.context, body?.credentials ?? {}, { headers: relay.forwardableHeaders(body?.headers) }) }
  }
  catch (error) {
    throw relayError(credentialsError(error))
  }
})
