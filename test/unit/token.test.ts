import { describe, it, expect } from 'vitest'
import { SignJWT } from 'jose'
import { createIssuerClock, issuedAtObserver } from '../../src/runtime/core/clock'
import { formatAuthorization, jwtExpiry, minRefreshIntervalMs, refreshLeadMs, tokenLifetimeMs, tokenTiming } from '../../src/runtime/core/token'

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

describe('tokenTiming and lead time', () => {
  it('reads exp and iat in ms, and nothing from an opaque or malformed token', async () => {
    expect(tokenTiming(await jwt({}, 1_700_000_060))).toEqual({ expiresAt: 1_700_000_060_000, issuedAt: 1_700_000_000_000 })
    expect(tokenTiming('opaque')).toEqual({ expiresAt: null, issuedAt: null })
    expect(tokenTiming('a.b.c')).toEqual({ expiresAt: null, issuedAt: null })
  })

  it('leads by the skew, but at most a third of the lifetime (exp - iat)', () => {
    expect(refreshLeadMs({ expiresAt: 3_600_000, issuedAt: 0 }, 30)).toBe(30_000)
    expect(refreshLeadMs({ expiresAt: 30_000, issuedAt: 0 }, 30)).toBe(10_000)
  })

  it('without iat, takes the lifetime from when the token was first seen, never "refresh at once"', () => {
    // A 30 s token first seen at t=0: lead 10 s, so it is used for 20 s.
    expect(refreshLeadMs({ expiresAt: 30_000, issuedAt: null }, 30, 0)).toBe(10_000)
    // First seen half-way: the remaining 15 s is all that can be known; still a third of it.
    expect(refreshLeadMs({ expiresAt: 30_000, issuedAt: null }, 30, 15_000)).toBe(5_000)
    expect(tokenLifetimeMs({ expiresAt: 30_000, issuedAt: null })).toBeNull()
    expect(refreshLeadMs({ expiresAt: 30_000, issuedAt: null }, 30)).toBe(30_000)
  })

  it('keeps successful refreshes at least half a lifetime apart, between 1 s and 30 s', () => {
    expect(minRefreshIntervalMs(2_000)).toBe(1_000)
    expect(minRefreshIntervalMs(1_000)).toBe(1_000)
    expect(minRefreshIntervalMs(20_000)).toBe(10_000)
    expect(minRefreshIntervalMs(3_600_000)).toBe(30_000)
    expect(minRefreshIntervalMs(null)).toBe(5_000)
  })
})

describe('createIssuerClock', () => {
  it('follows an observed offset and ignores differences within measurement noise', () => {
    let local = 1_000_000
    const clock = createIssuerClock(() => local)
    expect(clock.now()).toBe(local)
    clock.observe(local + 1_500)
    expect(clock.offset()).toBe(0)
    // The browser runs an hour ahead of the issuer.
    clock.observe(local - 3_600_000)
    expect(clock.offset()).toBe(-3_600_000)
    local += 10
    expect(clock.now()).toBe(local - 3_600_000)
    clock.observe(Number.NaN)
    expect(clock.offset()).toBe(-3_600_000)
  })

  it('takes a token\'s iat as the issuer\'s time at the latest: ahead at once, behind only when a second iat agrees', () => {
    let local = 1_000_000
    const clock = createIssuerClock(() => local)
    const observeIssued = issuedAtObserver(clock, () => local)
    // An old token handed out again (its iat two hours back) is no sign of a clock two hours behind.
    observeIssued(local - 7_200_000)
    expect(clock.offset()).toBe(0)
    observeIssued(local + 300)
    observeIssued(local - 5_400_000)
    expect(clock.offset()).toBe(0)
    // An issuer that really runs ten minutes behind says so twice in a row.
    local += 60_000
    observeIssued(local - 600_000)
    expect(clock.offset()).toBe(0)
    local += 60_000
    observeIssued(local - 600_500)
    expect(clock.offset()).toBe(-600_500)
    // A fresh token can only be issued before now: an iat ahead of the estimate moves it at once.
    observeIssued(local + 30_000)
    expect(clock.offset()).toBe(30_000)
    observeIssued(Number.NaN)
    expect(clock.offset()).toBe(30_000)
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
