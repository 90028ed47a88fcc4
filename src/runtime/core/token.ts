import { decodeJwt } from 'jose'

/**
 * When a token stops being valid, in epoch milliseconds. A JWT's `exp` claim wins; an opaque token
 * (or a JWT without `exp`) expires `maxAgeSeconds` after it was stored. `null` = unknown.
 */
export function tokenExpiresAt(token: string, fallback: { storedAt?: number, maxAgeSeconds?: number } = {}): number | null {
  const exp = jwtExpiry(token)
  if (exp !== null) return exp
  if (fallback.storedAt !== undefined && fallback.maxAgeSeconds !== undefined) return fallback.storedAt + fallback.maxAgeSeconds * 1000
  return null
}

/** The JWT `exp` in ms, or null when the token is not a JWT or has no numeric `exp`. Never verifies: the backend does. */
export function jwtExpiry(token: string): number | null {
  if (token.split('.').length !== 3) return null
  try {
    const { exp } = decodeJwt(token)
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null
  }
  catch {
    return null
  }
}

/** True when the token expires within `skewSeconds` from `now` (or already has). Unknown expiry is never expired. */
export function isExpiring(expiresAt: number | null, now: number, skewSeconds = 0): boolean {
  return expiresAt !== null && expiresAt - skewSeconds * 1000 <= now
}

/** The header value: `Bearer abc`, or the raw token when the type is empty. */
export function formatAuthorization(type: string, token: string): string {
  return type ? `${type} ${token}` : token
}

/**
 * How long before expiry to refresh: `skewSeconds`, but at most a third of the token's lifetime (`exp - iat`),
 * so a short-lived token is not refreshed the moment it arrives.
 */
export function refreshLeadMs(token: string, skewSeconds: number): number {
  const skew = skewSeconds * 1000
  if (token.split('.').length !== 3) return skew
  try {
    const { iat, exp } = decodeJwt(token)
    if (typeof iat === 'number' && typeof exp === 'number' && exp > iat) return Math.min(skew, ((exp - iat) * 1000) / 3)
  }
  catch { /* not a JWT: the plain skew */ }
  return skew
}
