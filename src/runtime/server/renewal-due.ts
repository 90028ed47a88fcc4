import { refreshLeadMs, tokenTiming } from '../core/token'
import { createExpiringCache, sha256HexSync } from '../shared/expiring-cache'
import { serverIssuerClock } from '../shared/server-issuer-clock'

/**
 * Whether to refresh before using `token`. Readable cookies: only once expired, since an open tab refreshes
 * ahead of expiry under its tab lock and a server refresh then would race it. httpOnly cookies: the browser
 * cannot, so the server refreshes ahead, by the same lead the browser would use (`sessionRefresh.skewSeconds`).
 * Expiry is judged by the issuer's clock as this process knows it (shared/server-issuer-clock.ts).
 */
export function renewalDue(token: string, { httpOnly, skewSeconds }: { httpOnly: boolean, skewSeconds: number }): boolean {
  const timing = tokenTiming(token)
  if (timing.expiresAt === null) return false
  const now = serverIssuerClock().now()
  const lead = httpOnly ? refreshLeadMs(timing, skewSeconds, timing.issuedAt === null ? firstSeenAt(token, timing.expiresAt, now) : undefined) : 0
  return timing.expiresAt - lead <= now
}

// Tokens without `iat`: when this process first saw each, for their lifetime (the lead is a third of it at most), as
// the browser judges it. Without it a token living the skew (30 s) or less was due at once, and every request spent
// the refresh token.
const firstSeen = createExpiringCache<number>(10_000)

function firstSeenAt(token: string, expiresAt: number, now: number): number {
  // Keyed by the token's hash, as the other caches of tokens are: no bearer token sits in memory as a key.
  const key = sha256HexSync(token) ?? token
  const known = firstSeen.get(key)
  if (known !== undefined) return known
  firstSeen.set(key, now, Date.now() + (expiresAt - now))
  return now
}
