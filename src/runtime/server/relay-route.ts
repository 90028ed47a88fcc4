import { defineEventHandler, setResponseHeader, type H3Event } from 'h3'
import { passRetryAfter } from './relay'

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
      passRetryAfter(event, error)
      throw error
    }
  })
}
