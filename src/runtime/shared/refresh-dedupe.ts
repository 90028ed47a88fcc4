import { createExpiringCache, sha256Hex } from './expiring-cache'

/**
 * Server side: two SSR requests of one browser (two tabs, a prefetch) carrying the same expired access token
 * must not both spend the refresh token. The first spends it; the others, within a few seconds, get the same
 * result. Keyed by a hash of both tokens (never the tokens themselves): only the very browser that raced
 * itself (same cookie jar) shares a result, so nothing crosses between users.
 */
const RESULT_TTL_MS = 10_000
const results = createExpiringCache<Promise<unknown>>(10_000)

export async function dedupeServerRefresh<T>(refreshToken: string, accessToken: string, refresh: () => Promise<T>): Promise<T> {
  const key = await sha256Hex(`${refreshToken}\n${accessToken}`)
  const existing = results.get(key) as Promise<T> | undefined
  if (existing) return await existing
  const promise = refresh()
  // Until it settles the entry never expires.
  results.set(key, promise, Number.POSITIVE_INFINITY)
  // Successes are kept briefly for stragglers; a failure is forgotten at once so the next request tries again.
  promise.then(() => {
    if (results.get(key) === promise) results.set(key, promise, Date.now() + RESULT_TTL_MS)
  }, () => results.deleteIf(key, promise))
  return await promise
}
