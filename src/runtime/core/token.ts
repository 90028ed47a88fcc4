/** What a token says about its own lifetime, in epoch ms of the issuer's clock. `null` = not stated. */
export interface TokenTiming {
  expiresAt: number | null
  issuedAt: number | null
}

/**
 * The claims of a JWT (RFC 7519: base64url JSON, the second of three parts), unverified. Decoded here rather than
 * with jose's decodeJwt, whose error classes and helpers cost every browser 0.6 kB gzip for two numbers.
 */
function jwtClaims(token: string): Record<string, unknown> {
  const claims: unknown = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')))
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw new TypeError('JWT claims are no object')
  return claims as Record<string, unknown>
}

/** `exp` and `iat` of a JWT. Never verifies (the backend does); an opaque or malformed token states nothing. */
export function tokenTiming(token: string): TokenTiming {
  const none = { expiresAt: null, issuedAt: null }
  if (token.split('.').length !== 3) return none
  try {
    const { exp, iat } = jwtClaims(token)
    const ms = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value * 1000 : null)
    return { expiresAt: ms(exp), issuedAt: ms(iat) }
  }
  catch {
    return none
  }
}

/** The JWT `exp` in ms, or null when the token is not a JWT or has no numeric `exp`. */
export function jwtExpiry(token: string): number | null {
  return tokenTiming(token).expiresAt
}

/** The header value: `Bearer abc`, or the raw token when the type is empty. Only the token stores call it. */
export function formatAuthorization(type: string, token: string): string {
  return type ? `${type} ${token}` : token
}

/**
 * How long the token lives in all: `exp - iat`, else `exp` minus the moment (issuer's clock) this app first
 * saw it, which is at most the real lifetime. `null` when the token states no expiry.
 */
export function tokenLifetimeMs(timing: TokenTiming, firstSeenAt?: number): number | null {
  if (timing.expiresAt === null) return null
  const start = timing.issuedAt ?? firstSeenAt
  if (start === undefined || timing.expiresAt <= start) return null
  return timing.expiresAt - start
}

/**
 * How long before expiry to refresh: `skewSeconds`, but at most a third of the token's lifetime, so a
 * short-lived token is not refreshed the moment it arrives. A token whose lifetime cannot be known at all
 * gets the plain skew.
 */
export function refreshLeadMs(timing: TokenTiming, skewSeconds: number, firstSeenAt?: number): number {
  const skew = skewSeconds * 1000
  const lifetime = tokenLifetimeMs(timing, firstSeenAt)
  return lifetime === null ? skew : Math.min(skew, lifetime / 3)
}

/**
 * The shortest time between two successful refreshes of one browser: half the lifetime, between 1 s and
 * 30 s (5 s when unknown). A backstop: with a wrong clock every token may look expired, and this caps the
 * rate at which a browser can spend refresh tokens whatever the clock says.
 */
export function minRefreshIntervalMs(lifetimeMs: number | null): number {
  if (lifetimeMs === null) return 5_000
  return Math.min(30_000, Math.max(1_000, lifetimeMs / 2))
}
