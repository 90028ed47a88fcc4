/**
 * Server side: two SSR requests of one browser (two tabs, a prefetch) carrying the same expired access token
 * must not both spend the refresh token. The first spends it; the others, within a few seconds, get the same
 * result. Keyed by a hash of the refresh token (never the token itself); only a holder of that refresh token
 * can ask for the result, so nothing crosses between users.
 */
const RESULT_TTL_MS = 10_000
const MAX_ENTRIES = 10_000

interface Entry<T> { promise: Promise<T>, expiresAt: number }
const entries = new Map<string, Entry<unknown>>()

async function keyOf(refreshToken: string, accessToken: string): Promise<string> {
  // Both tokens: only the very browser that raced itself (same cookie jar) shares a result.
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${refreshToken}\n${accessToken}`))
  return Array.from(new Uint8Array(digest), byte => byte.toString(16).padStart(2, '0')).join('')
}

export async function dedupeServerRefresh<T>(refreshToken: string, accessToken: string, refresh: () => Promise<T>): Promise<T> {
  const key = await keyOf(refreshToken, accessToken)
  const now = Date.now()
  const existing = entries.get(key)
  if (existing && existing.expiresAt > now) return await (existing.promise as Promise<T>)
  if (entries.size >= MAX_ENTRIES) {
    for (const [stale, entry] of entries) if (entry.expiresAt <= now) entries.delete(stale)
    if (entries.size >= MAX_ENTRIES) entries.clear()
  }
  const promise = refresh()
  // Until it settles the entry never expires.
  const entry: Entry<T> = { promise, expiresAt: Number.POSITIVE_INFINITY }
  entries.set(key, entry)
  // Successes are kept briefly for stragglers; a failure is forgotten at once so the next request tries again.
  promise.then(() => {
    entry.expiresAt = Date.now() + RESULT_TTL_MS
  }, () => {
    if (entries.get(key) === entry) entries.delete(key)
  })
  return await promise
}
