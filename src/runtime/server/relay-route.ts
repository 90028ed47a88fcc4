import { defineEventHandler, setResponseHeader, type H3Event } from 'h3'
import { relayedRetryAfterMs } from './relay'

/**
 * One of the module's `/api/_auth` routes. Its answers (a session, rotated token cookies, an error about them) are
 * for this visitor alone: no shared cache may keep one, and a 200 without freshness information may be kept
 * heuristically (RFC 9111 §4.2.2), so every answer says so, failures included.
 */
export function defineRelayRoute<T>(handler: (event: H3Event) => Promise<T>) {
  return defineEventHandler(async (event) => {
    setResponseHeader(event, 'cache-control', 'private, no-store')
    try {
      return await handler(event)
    }
    catch (error) {
      // The backend's wait (a rate limit, a 503 for maintenance) reaches the browser as the backend said it.
      const retryAfterMs = relayedRetryAfterMs(error)
      if (retryAfterMs !== undefined) setResponseHeader(event, 'retry-after', Math.ceil(retryAfterMs / 1000))
      throw error
    }
  })
}
