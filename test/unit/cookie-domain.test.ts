import { afterEach, describe, expect, it, vi } from 'vitest'
import { cookieDomainMatches, warnCookieDomainOnce } from '../../src/runtime/shared/cookie-domain'

describe('a token cookie\'s configured domain against the page\'s host', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it.each([
    ['example.com', 'example.com', true],
    ['.example.com', 'example.com', true],
    ['example.com', 'app.example.com', true],
    ['Example.COM', 'admin.app.example.com', true],
    ['example.com', 'badexample.com', false],
    ['app.example.com', 'example.com', false],
    ['example.com', 'localhost', false],
    ['127.0.0.1', '127.0.0.1', true],
    ['0.1', '127.0.0.1', false],
    ['1', '[::1]', false],
  ])('Domain=%s on %s: kept %s', (domain, host, kept) => {
    expect(cookieDomainMatches(domain, host)).toBe(kept)
  })

  it('a domain the host does not match is said once per cookie, domain and host, naming the option and the fix', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    expect(warnCookieDomainOnce('auth.token', 'example.com', 'app.example.com')).toBe(false)
    expect(warnCookieDomainOnce('auth.token', 'example.com', 'localhost')).toBe(true)
    expect(warnCookieDomainOnce('auth.token', 'example.com', 'localhost')).toBe(false)
    expect(warnCookieDomainOnce('auth.refresh-token', 'example.com', 'localhost')).toBe(true)
    expect(warn).toHaveBeenCalledTimes(2)
    expect(warn.mock.calls[0]![0]).toBe('[nuxt-gatekeeper] The auth.token cookie is set for the domain "example.com" (token.cookieDomain), but this page is served from "localhost": the browser drops it, so nobody stays signed in here. Set token.cookieDomain (and refresh.token.cookieDomain) to \'\' for this host only, or to a domain this host belongs to')
  })
})
