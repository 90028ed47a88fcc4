import { decodeJwt, decodeProtectedHeader } from 'jose'

/** Development only (the Nuxt DevTools tab): what a token says about itself, decoded, never verified. */
export interface TokenInfo {
  format: 'jwt' | 'opaque'
  length: number
  header?: Record<string, unknown>
  claims?: Record<string, unknown>
  /** `exp` as a local time (epoch ms; corrected by the issuer clock's offset), when the token states one. */
  expiresAt: number | null
  issuedAt: number | null
  /** Only when asked for (`snapshot({ raw: true })`). */
  raw?: string
}

export function describeToken(token: string | null, clockOffsetMs: number, raw: boolean): TokenInfo | null {
  if (!token) return null
  const base = { length: token.length, ...(raw ? { raw: token } : {}) }
  if (token.split('.').length === 3) {
    try {
      const claims = decodeJwt(token) as Record<string, unknown>
      const header = decodeProtectedHeader(token) as Record<string, unknown>
      const local = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value * 1000 - clockOffsetMs : null)
      return { format: 'jwt', header, claims, expiresAt: local(claims.exp), issuedAt: local(claims.iat), ...base }
    }
    catch { /* not a JWT after all */ }
  }
  return { format: 'opaque', expiresAt: null, issuedAt: null, ...base }
}
