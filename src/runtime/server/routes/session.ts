import { defineEventHandler } from 'h3'
import { relayContext, relayError } from '../relay'

/** GET /api/_auth/session: the session for the httpOnly token cookie; a refused token clears the cookie. */
export default defineEventHandler(async (event) => {
  const relay = relayContext(event)
  try {
    const session = await relay.strategy.getSession(relay.context)
    if (session === null) {
      relay.storeToken(null)
      return { session: null }
    }
    return { session }
  }
  catch (error) {
    if ((error as { isVerdict?: boolean }).isVerdict) relay.storeToken(null)
    throw relayError(error)
  }
})
