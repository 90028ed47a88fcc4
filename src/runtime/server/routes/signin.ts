import { AuthError } from '../../core'
import { supersedingSignIn } from '../../shared/server-refresh'
import { completeSignIn, credentialsError } from '../../shared/sign-in'
import { withoutTokenValues } from '../../shared/token-store'
import { readJsonWithin } from '../body'
import { assertSameOriginJson, relayContext, relayError } from '../relay'
import { defineRelayRoute } from '../relay-route'

/** POST /api/_auth/signin { credentials, query? }: signs in at the backend and keeps the token httpOnly. */
export default defineRelayRoute(async (event) => {
  assertSameOriginJson(event)
  const relay = relayContext(event)
  const body = await readJsonWithin<{ credentials?: Record<string, unknown>, query?: Record<string, unknown>, headers?: unknown }>(event)
  // The backend's error body goes to the browser for a refused sign-in request only (the form's own answer), never
  // for the session request made with the new token after it (one that echoes the token would hand it to scripts).
  let signingIn = true
  // Another tab's refresh of the tokens held until now ends with this sign-in (the previous user's, maybe).
  const supersede = supersedingSignIn(relay.tokens, event)
  try {
    const result = await relay.strategy.signIn(relay.context, body?.credentials ?? {}, { query: body?.query, headers: relay.forwardableHeaders(body?.headers) })
      .catch((error: unknown) => Promise.reject(credentialsError(error)))
    signingIn = false
    if (!result.token) throw new AuthError('BAD_RESPONSE', 'The signIn response carried no token')
    const session = await completeSignIn(relay.strategy, relay.context, relay.tokens, result)
    await supersede()
    // Session mode: the new session is stored now (under a new id), before the browser is told.
    await relay.tokens.commit({ session })
    // For page scripts: without the tokens the httpOnly cookies keep from them, should the backend echo them.
    return { session: withoutTokenValues(session, relay.tokens) }
  }
  catch (error) {
    throw relayError(error, undefined, { backendBody: signingIn })
  }
})
