import { afterEach, describe, expect, it, vi } from 'vitest'
import { localExpiry, observeIssuedToken, serverIssuerClock } from '../../src/runtime/shared/server-issuer-clock'

const jwt = (claims: Record<string, number>) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`
const NOW = Date.UTC(2026, 11, 5, 12)

describe('the server\'s estimate of the issuer\'s clock', () => {
  afterEach(() => {
    // One per process: put it back to "no observation" for the next test.
    serverIssuerClock().observe(Date.now())
    vi.useRealTimers()
  })

  it('goes by this machine\'s clock until freshly issued tokens say otherwise, then by the issuer\'s', () => {
    vi.useFakeTimers({ now: NOW })
    const behind = NOW - 600_000
    const token = jwt({ iat: behind / 1000, exp: behind / 1000 + 60 })
    // Before any observation: the token looks ten minutes expired.
    expect(serverIssuerClock().now()).toBe(NOW)
    expect(localExpiry(token)).toBe(behind + 60_000)
    // One `iat` behind may be an old token handed out again; the next refresh's agrees, so the issuer is behind.
    observeIssuedToken(token)
    expect(serverIssuerClock().now()).toBe(NOW)
    observeIssuedToken(token)
    // `iat` has one-second resolution: half a second is added.
    expect(serverIssuerClock().now()).toBe(behind + 500)
    expect(localExpiry(token)).toBe(NOW + 60_000 - 500)
  })

  it('is not set back for every visitor by one refresh that hands out an old token', () => {
    vi.useFakeTimers({ now: NOW })
    // One visitor's refresh answers with a token issued two hours ago; everyone else's are fresh.
    observeIssuedToken(jwt({ iat: NOW / 1000 - 7200, exp: NOW / 1000 + 60 }))
    // Before: the clock took it as two hours behind, until this process's next refresh (every visitor's browser was
    // told so with each page, and refreshed too late).
    expect(serverIssuerClock().offset()).toBe(0)
    observeIssuedToken(jwt({ iat: NOW / 1000, exp: NOW / 1000 + 600 }))
    vi.advanceTimersByTime(5000)
    observeIssuedToken(jwt({ iat: NOW / 1000 + 5, exp: NOW / 1000 + 605 }))
    expect(serverIssuerClock().offset()).toBe(0)
  })

  it('ignores tokens without `iat`, opaque tokens, and differences under two seconds', () => {
    vi.useFakeTimers({ now: NOW })
    observeIssuedToken(jwt({ exp: NOW / 1000 - 600 }))
    observeIssuedToken('opaque-token')
    observeIssuedToken(null)
    expect(serverIssuerClock().offset()).toBe(0)
    observeIssuedToken(jwt({ iat: NOW / 1000 - 1, exp: NOW / 1000 + 60 }))
    expect(serverIssuerClock().offset()).toBe(0)
    expect(localExpiry('opaque-token')).toBe(Number.POSITIVE_INFINITY)
  })

  it('is one per process, shared by every bundle that imports it', () => {
    expect(serverIssuerClock()).toBe((globalThis as Record<symbol, unknown>)[Symbol.for('nuxt-gatekeeper:issuer-clock')])
  })
})
