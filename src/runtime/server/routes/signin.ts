import { defineEventHandler, readBody } from 'h3'
import { AuthError, isAuthError } from '../../core'
import { assertSameOriginJson, relayContext, relayError } from '../relay'

/** POST /api/_auth/signin { credentials, query? }: signs in at the backend and keeps the token httpOnly. */
export default defineEventHandler(async (event) => {
  assertSameOriginJson(event)
  const relay = relayContext(event)
  const body = await readBody<{ credentials?: Record<string, unknown>, query?: Record<string, unknown>, headers?: unknown }>(event)
  try {
    let result: Awaited<ReturnType<typeof relay.strategy.signIn>>
    try {
      result = await relay.strategy.signIn(relay.context, body?.credentials ?? {}, { query: body?.query, headers: relay.forwardableHeaders(body?.headers) })
    }
    catch (error) {
      // A refused password is no verdict on the session this browser may already hold.
      if (isAuthError(error) && error.code === 'UNAUTHORIZED') throw new AuthError('INVALID_CREDENTIALS', 'Wrong credentials', { status: error.status, data: error.data })
      throw error
    }
    if (!result.token) throw new AuthError('BAD_RESPONSE', 'The signIn response carried no token')
    const previous = relay.context.token()
    relay.storeToken(result.token)
    try {
      const session = result.session !== undefined ? result.session : await relay.strategy.getSession(relay.context)
      if (session === null) throw new AuthError('BAD_RESPONSE', 'Signed in, but the backend returned no session for the new token')
      return { session }
    }
    catch (error) {
      // The new token is no good: the browser keeps the session it had.
      relay.storeToken(previous)
      throw error
    }
  }
  catch (error) {
    throw relayError(error)
  }
})
