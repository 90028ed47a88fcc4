import { defineEventHandler } from 'h3'
import { assertSameOriginJson, relayContext } from '../relay'

/** POST /api/_auth/signout: tells the backend, then drops the cookie whatever the backend answered. */
export default defineEventHandler(async (event) => {
  assertSameOriginJson(event)
  const relay = relayContext(event)
  let backendError: string | null = null
  try {
    await relay.strategy.signOut(relay.context)
  }
  catch (error) {
    backendError = (error as { code?: string }).code ?? 'BAD_RESPONSE'
  }
  relay.storeToken(null)
  return { ok: true, backendError }
})
