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

async function keyOf(refreshToken: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(refreshToken))
  return Array.from(new Uint8Array(digest), byte => byte.toString(16).padStart(2, '0')).join('')
}

export async function dedupeServerRefresh<T>(refreshToken: string, refresh: () => Promise<T>): Promise<T> {
  const key = await keyOf(refreshToken)
  const now = Date.now()
  const existing = entries.get(key)
  if (existing && existing.expiresAt > now) return await (existing.promise as Promise<T>)
  if (entries.size >= MAX_ENTRIES) {
    for (const [stale, entry] of entries) if (entry.expiresAt <= now) entries.delete(stale)
    if (entries.size >= MAX_ENTRIES) entries.clear()
  }
  const promise = refresh()
  // Until it settles the entry never expires; then it lives RESULT_TTL_MS so stragglers reuse it.
  const entry: Entry<T> = { promise, expiresAt: Number.POSITIVE_INFINITY }
  entries.set(key, entry)
  const settle = () => {
    entry.expiresAt = Date.now() + RESULT_TTL_MS
  }
  promise.then(settle, settle)
  return await promise
}

/** For tests. */
export function clearServerRefreshCache() {
  entries.clear()
}
