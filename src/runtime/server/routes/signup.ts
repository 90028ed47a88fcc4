import { AuthError } from '../../core'
import { withoutTokens } from '../../core/pointer-removal'
import { credentialsError } from '../../shared/sign-in'
import { serverSettings } from '../../shared/server-settings'
import { readJsonWithin } from '../body'
import { assertSameOriginJson, relayContext, relayError } from '../relay'
import { defineRelayRoute } from '../relay-route'

/** POST /api/_auth/signup { credentials }: relays the sign-up; signing in afterwards is the client's next call. */
export default defineRelayRoute(async (event) => {
  assertSameOriginJson(event)
  const relay = relayContext(event)
  if (!relay.strategy.signUp) throw relayError(new AuthError('NOT_SUPPORTED', 'This provider has no signUp'))
  const body = await readJsonWithin<{ credentials?: Record<string, unknown>, headers?: unknown }>(event)
  let response: unknown
  try {
    response = await relay.strategy.signUp(relay.context, body?.credentials ?? {}, { headers: relay.forwardableHeaders(body?.headers) })
  }
  catch (error) {
    throw relayError(credentialsError(error), undefined, { backendBody: true })
  }
  // A backend that signs in at sign-up answers with tokens: page scripts never get one (signing in is the browser's
  // next call, which keeps them in httpOnly cookies).
  return { response: withoutTokens(response, serverSettings().tokenPointers) }
})
