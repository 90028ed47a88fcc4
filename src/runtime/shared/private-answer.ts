import { getResponseHeader, setResponseHeader, type H3Event } from 'h3'

/** A bare `private` or `no-store` directive; `private="set-cookie"` keeps one header from shared caches, not the answer. */
const KEPT_FROM_SHARED_CACHES = /(?:^|,)\s*(?:private|no-store)\s*(?:,|$)/i

/**
 * Marks the answer as this visitor's alone (`private, no-store`) unless its Cache-Control already keeps it from
 * shared caches. For an answer that sets or deletes a visitor's credentials: a shared cache (CDN, proxy) that kept
 * it would hand one visitor's tokens to the next, or sign everybody out, and a 200 without freshness information
 * may be kept heuristically (RFC 9111 §4.2.2). This wins over an app's own `public` for the same reason.
 */
export function keepFromSharedCaches(event: H3Event) {
  if (!KEPT_FROM_SHARED_CACHES.test(String(getResponseHeader(event, 'cache-control') ?? ''))) setResponseHeader(event, 'cache-control', 'private, no-store')
}
