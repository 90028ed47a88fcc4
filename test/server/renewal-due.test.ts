import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { renewalDue } from '../../src/runtime/server/renewal-due'

// When the server refreshes before using an access token (httpOnly cookies: ahead of expiry, as the browser would).
const unsigned = (claims: Record<string, number>) => ['{"alg":"HS256"}', JSON.stringify(claims)].map(part => Buffer.from(part).toString('base64url')).join('.') + '.signature'
const nowSeconds = () => Math.floor(Date.now() / 1000)
const httpOnly = { httpOnly: true, skewSeconds: 30 }

describe('renewalDue', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-06-01T12:00:00Z') })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('httpOnly: due a third of the lifetime before expiry at most (skewSeconds otherwise); readable cookies: once expired', () => {
    const token = unsigned({ iat: nowSeconds(), exp: nowSeconds() + 60 })
    expect(renewalDue(token, httpOnly)).toBe(false)
    vi.advanceTimersByTime(39_000)
    expect(renewalDue(token, httpOnly)).toBe(false)
    vi.advanceTimersByTime(2000)
    expect(renewalDue(token, httpOnly)).toBe(true)
    expect(renewalDue(token, { httpOnly: false, skewSeconds: 30 })).toBe(false)
    vi.advanceTimersByTime(20_000)
    expect(renewalDue(token, { httpOnly: false, skewSeconds: 30 })).toBe(true)
  })

  it('a token without iat that lives 20 s is not due when first seen, only in its last third', () => {
    const token = unsigned({ exp: nowSeconds() + 20 })
    expect(renewalDue(token, httpOnly)).toBe(false)
    vi.advanceTimersByTime(12_000)
    expect(renewalDue(token, httpOnly)).toBe(false)
    vi.advanceTimersByTime(2000)
    expect(renewalDue(token, httpOnly)).toBe(true)
  })
})
