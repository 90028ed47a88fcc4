import { defineEventHandler } from 'h3'
import { relayContext, relayError } from '../relay'

/** GET /api/_auth/session: the session for the httpOnly token cookie; a refused token clears the cookie. */
export default defineEventHandler(async (event) => {
  const relay = relayContext(event)
  try {
    const session = await relay.strategy.getSession(relay.context)
    if (session === null) {
      relay.tokens.clear()
      return { session: null }
    }
    return { session }
  }
  catch (error) {
    if ((error as { isVerdict?: boolean }).isVerdict) relay.tokens.clear()
    throw relayError(error)
  }
})
