import { describe, it, expect } from 'vitest'
import { SignJWT } from 'jose'
import { formatAuthorization, isExpiring, jwtExpiry, tokenExpiresAt } from '../../src/runtime/core/token'

const secret = new TextEncoder().encode('a-test-secret-of-at-least-32-bytes!!')

async function jwt(claims: Record<string, unknown>, exp?: number) {
  const builder = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(1_700_000_000)
  if (exp !== undefined) builder.setExpirationTime(exp)
  return await builder.sign(secret)
}

function base64url(value: unknown) {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

describe('jwtExpiry', () => {
  it('reads exp (seconds) as epoch milliseconds', async () => {
    const exp = 1_900_000_123
    expect(jwtExpiry(await jwt({ sub: 'u1' }, exp))).toBe(exp * 1000)
  })

  it('returns null for a JWT without exp', async () => {
    expect(jwtExpiry(await jwt({ sub: 'u1' }))).toBeNull()
  })

  it('returns null when exp is not a number', () => {
    const token = `${base64url({ alg: 'HS256' })}.${base64url({ exp: '1900000000' })}.sig`
    expect(jwtExpiry(token)).toBeNull()
  })

  it.each([
    ['opaque token', 'd7c8f1e0a9b34c2e'],
    ['empty string', ''],
    ['malformed three parts', 'a.b.c'],
    ['two parts', `${base64url({ alg: 'HS256' })}.${base64url({ exp: 1 })}`],
    ['four parts', 'a.b.c.d'],
    ['JWE-like five parts', 'a.b.c.d.e'],
    ['payload not JSON', `${base64url({ alg: 'HS256' })}.${Buffer.from('not json').toString('base64url')}.sig`],
    ['payload a JSON array', `${base64url({ alg: 'HS256' })}.${base64url([1])}.sig`],
  ])('returns null for %s, without throwing', (_label, token) => {
    expect(jwtExpiry(token)).toBeNull()
  })

  it('reads exp from an unsecured (alg: none) token too: it never verifies, only schedules (the backend verifies)', () => {
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ exp: 1_800_000_000 })}.`
    expect(jwtExpiry(token)).toBe(1_800_000_000_000)
  })
})

describe('tokenExpiresAt', () => {
  it('prefers the JWT exp over the configured max age', async () => {
    const token = await jwt({}, 1_900_000_000)
    expect(tokenExpiresAt(token, { storedAt: 5_000, maxAgeSeconds: 60 })).toBe(1_900_000_000_000)
  })

  it('uses storedAt + maxAge for an opaque token', () => {
    expect(tokenExpiresAt('opaque', { storedAt: 1_000_000, maxAgeSeconds: 1800 })).toBe(1_000_000 + 1_800_000)
  })

  it('uses storedAt + maxAge for a JWT without exp and for a malformed JWT', async () => {
    expect(tokenExpiresAt(await jwt({ sub: 'x' }), { storedAt: 10, maxAgeSeconds: 1 })).toBe(1010)
    expect(tokenExpiresAt('a.b.c', { storedAt: 10, maxAgeSeconds: 1 })).toBe(1010)
  })

  it('is null (unknown) without a JWT exp and without both fallback values', () => {
    expect(tokenExpiresAt('opaque')).toBeNull()
    expect(tokenExpiresAt('opaque', { storedAt: 10 })).toBeNull()
    expect(tokenExpiresAt('opaque', { maxAgeSeconds: 10 })).toBeNull()
  })
})

describe('isExpiring', () => {
  const now = 1_000_000

  it('never calls an unknown expiry expiring', () => {
    expect(isExpiring(null, now)).toBe(false)
    expect(isExpiring(null, now, 1e9)).toBe(false)
  })

  it('is true once expired, false before, without skew', () => {
    expect(isExpiring(now - 1, now)).toBe(true)
    expect(isExpiring(now, now)).toBe(true)
    expect(isExpiring(now + 1, now)).toBe(false)
  })

  it('counts the skew (seconds) before expiry, inclusive at the boundary', () => {
    const expiresAt = now + 30_000
    expect(isExpiring(expiresAt, now, 29)).toBe(false)
    expect(isExpiring(expiresAt, now, 30)).toBe(true)
    expect(isExpiring(expiresAt, now, 31)).toBe(true)
  })

  it('works with a real JWT expiry', async () => {
    const expSeconds = Math.floor(now / 1000) + 60
    const expiresAt = jwtExpiry(await jwt({}, expSeconds))
    expect(isExpiring(expiresAt, now, 30)).toBe(false)
    expect(isExpiring(expiresAt, now, 60)).toBe(true)
  })
})

describe('formatAuthorization', () => {
  it('prefixes the type with a space', () => {
    expect(formatAuthorization('Bearer', 'abc')).toBe('Bearer abc')
    expect(formatAuthorization('Token', 'x.y.z')).toBe('Token x.y.z')
  })

  it('sends the raw token when the type is empty', () => {
    expect(formatAuthorization('', 'abc')).toBe('abc')
  })
})
