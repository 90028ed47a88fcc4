import { defineEventHandler, readBody } from 'h3'
import { AuthError, isAuthError } from '../../core'
import { assertSameOriginJson, relayContext, relayError } from '../relay'

/** POST /api/_auth/signup { credentials }: relays the sign-up; signing in afterwards is the client's next call. */
export default defineEventHandler(async (event) => {
  assertSameOriginJson(event)
  const relay = relayContext(event)
  if (!relay.strategy.signUp) throw relayError(new AuthError('NOT_SUPPORTED', 'This provider has no signUp'))
  const body = await readBody<{ credentials?: Record<string, unknown>, headers?: unknown }>(event)
  try {
    return { response: await relay.strategy.signUp(relay.context, body?.credentials ?? {}, { headers: relay.forwardableHeaders(body?.headers) }) }
  }
  catch (error) {
    if (isAuthError(error) && error.code === 'UNAUTHORIZED') throw relayError(new AuthError('INVALID_CREDENTIALS', 'The credentials were refused', { status: 401, data: error.data }))
    throw relayError(error)
  }
})
