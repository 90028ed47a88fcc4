import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { sanitizeRedirect, type RedirectPolicy } from '../../src/runtime/core/redirect'
import { OPEN_REDIRECT_PAYLOADS } from '../redirect-corpus'

/**
 * The open-redirect sanitiser (CWE-601, RFC 9700 §4.11.1). Policy under test, as the Route guard and Redirects docs state it:
 * - a same-origin path starting with exactly one `/` passes (query and hash kept);
 * - an absolute URL on the app's own origin becomes a path;
 * - an absolute URL on an allow-listed origin passes as external;
 * - everything else (`//`, `\`, schemes, control characters, other origins, non-strings) yields the fallback.
 * Whatever passes must itself be a target the sanitiser accepts unchanged: a router or server may decode
 * a path once more before navigating, so an output that decodes to `//host` is as bad as the input `//host`.
 */

const ORIGIN = 'https://app.example'
const POLICY: RedirectPolicy = { fallback: '/home', origin: ORIGIN }

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/

/** Independent statement of "this is a safe same-origin navigation target" for a non-external result. */
function assertSafeInternalPath(url: string) {
  expect(typeof url).toBe('string')
  expect(url.startsWith('/')).toBe(true)
  expect(url.startsWith('//')).toBe(false)
  // A backslash is a slash to browsers in the path; in the query or hash it is only data.
  expect(url.split(/[?#]/, 1)[0]!.includes('\\')).toBe(false)
  expect(CONTROL.test(url)).toBe(false)
  // Resolved against the app, it stays on the app.
  expect(new URL(url, ORIGIN).origin).toBe(ORIGIN)
  // Decoded again and again (a router or server may decode once more; Nuxt's navigateTo does), it never starts
  // a new authority, not even once its dot segments are resolved.
  // The whole URL and its path alone: a query that no longer decodes must not end the path's decoding.
  for (let decoded of [url, url.split(/[?#]/, 1)[0]!]) {
    for (let round = 0; round < 4; round++) {
      const decodedPath = decoded.split(/[?#]/, 1)[0]!
      expect(decodedPath.startsWith('//')).toBe(false)
      expect(decodedPath.includes('\\')).toBe(false)
      expect(new URL(decodedPath, ORIGIN).pathname.startsWith('//')).toBe(false)
      try {
        decoded = decodeURIComponent(decoded)
      }
      catch {
        break // undecodable: a router fails on it too
      }
    }
  }
}

describe('sanitizeRedirect: open-redirect corpus', () => {
  it('has at least 60 payloads', () => {
    expect(OPEN_REDIRECT_PAYLOADS.length).toBeGreaterThanOrEqual(60)
  })

  it.each(OPEN_REDIRECT_PAYLOADS)('rejects %s', (_label, target) => {
    expect(sanitizeRedirect(target, POLICY)).toEqual({ url: '/home', external: false, rejected: true })
  })

  it.each(OPEN_REDIRECT_PAYLOADS)('rejects %s even with an unrelated allow-list', (_label, target) => {
    const result = sanitizeRedirect(target, { ...POLICY, allowedOrigins: ['https://accounts.example'] })
    expect(result).toEqual({ url: '/home', external: false, rejected: true })
  })
})

describe('sanitizeRedirect: legitimate targets', () => {
  const LEGIT: Array<[target: string, expected: string, why: string]> = [
    ['/', '/', 'the root'],
    ['/profile', '/profile', 'a plain path'],
    ['/a/b?x=1&y=2#frag', '/a/b?x=1&y=2#frag', 'query and hash are kept'],
    ['/search?q=%2F%2Fevil.com', '/search?q=%2F%2Fevil.com', 'encoded slashes in the query never reach the path'],
    ['/path?redirect=https://evil.com', '/path?redirect=https://evil.com', 'a URL in the query is just data'],
    ['/path#//evil.com', '/path#//evil.com', 'a hash never leaves the page'],
    ['https://app.example/dashboard?tab=2', '/dashboard?tab=2', 'same origin becomes a path'],
    ['https://app.example', '/', 'the bare own origin is the root'],
    ['https://APP.EXAMPLE/x', '/x', 'hosts are case-insensitive'],
    ['https://app.example:443/x', '/x', 'the default port is the same origin'],
    ['/\u00E9', '/%C3%A9', 'non-ASCII is percent-encoded as UTF-8 (WHATWG path encoding)'],
    ['/caf%C3%A9', '/caf%C3%A9', 'already-encoded non-ASCII is kept'],
    ['/search?q=a b', '/search?q=a%20b', 'a space in the query is encoded'],
    ['/a/./b', '/a/b', 'a dot segment is resolved'],
    ['/a/b/../c', '/a/c', 'a dot-dot segment is resolved'],
    ['/search?q=100%25', '/search?q=100%25', 'an encoded percent sign in the query (decoded once, `100%` decodes no further)'],
    ['/sale?code=50%25off#top%', '/sale?code=50%25off#top%', 'a query and hash that stop decoding are only data'],
    ['https://app.example/search?q=100%25', '/search?q=100%25', 'the same on an absolute own-origin URL'],
    ['/a?x=%2525252525', '/a?x=%2525252525', 'a query value encoded many times'],
  ]

  it('decodes the path strictly even when the query stops decoding', () => {
    for (const target of ['/%252e%252e//evil.com?q=%', '/%E0%A4%A?q=1', '/%?q=1', '/%2525252f%2525252fevil.com#%', '/a?q=%0A', '/a#%00', '/a?q=%250A']) {
      expect(sanitizeRedirect(target, POLICY), target).toEqual({ url: '/home', external: false, rejected: true })
    }
  })

  it('rejects percent-encoded dots, slashes and backslashes in the path, keeps them in the query', () => {
    for (const target of ['/a/%2e%2e/b', '/files/a%2Fb', '/a%5Cb', '/%2E']) expect(sanitizeRedirect(target, POLICY), target).toMatchObject({ rejected: true })
    expect(sanitizeRedirect('/a?next=%2F%2E%2E', POLICY)).toMatchObject({ url: '/a?next=%2F%2E%2E', rejected: false })
  })

  it.each(LEGIT)('accepts %s as %s (%s)', (target, expected) => {
    expect(sanitizeRedirect(target, POLICY)).toEqual({ url: expected, external: false, rejected: false })
  })

  it('accepts a same-origin absolute URL only when the origin is known', () => {
    expect(sanitizeRedirect('https://app.example/x', { fallback: '/home' })).toEqual({ url: '/home', external: false, rejected: true })
    expect(sanitizeRedirect('https://app.example/x', { fallback: '/home', origin: 'https://app.example/' })).toEqual({ url: '/x', external: false, rejected: false })
  })

  it('takes a same-origin absolute URL as a document address under the app\'s base, and a path as the app\'s own', () => {
    const policy = { fallback: '/home', origin: ORIGIN, base: '/shop/' }
    const origin = new URL(ORIGIN).origin
    for (const [target, expected] of [[`${origin}/shop/orders?x=1#top`, '/orders?x=1#top'], [`${origin}/shop`, '/'], [`${origin}/shop/`, '/'], [`${origin}/shop?x=1`, '/?x=1'], ['/shop/orders', '/shop/orders'], ['/orders', '/orders']]) {
      expect(sanitizeRedirect(target, policy), target).toEqual({ url: expected, external: false, rejected: false })
    }
    // Outside the base (another app on the origin, a longer name), and a path that would leave the origin once stripped.
    for (const target of [`${origin}/orders`, `${origin}/shopping/cart`, `${origin}/shop//evil.example`, `${origin}/shop//evil.example/x`]) {
      expect(sanitizeRedirect(target, policy), target).toEqual({ url: '/home', external: false, rejected: true })
    }
    expect(sanitizeRedirect(`${origin}/orders`, { ...policy, base: '/' })).toMatchObject({ url: '/orders', rejected: false })
  })

  it.each([
    ['/\u2028/evil.com'],
    ['/\uFF0Fevil.com'],
    ['/\u00A0//evil.com'],
    ['/%E2%80%A8//x'],
  ])('keeps %j on the app (accepted or not, never external)', (target) => {
    const result = sanitizeRedirect(target, POLICY)
    expect(result.external).toBe(false)
    assertSafeInternalPath(result.url)
  })
})

describe('sanitizeRedirect: allow-listed origins', () => {
  const allow = { ...POLICY, allowedOrigins: ['https://accounts.example'] }

  it('passes an allow-listed origin as external', () => {
    expect(sanitizeRedirect('https://accounts.example/x', allow)).toEqual({ url: 'https://accounts.example/x', external: true, rejected: false })
  })

  it('keeps query and hash of an allow-listed target', () => {
    expect(sanitizeRedirect('https://accounts.example/x?a=1#b', allow)).toEqual({ url: 'https://accounts.example/x?a=1#b', external: true, rejected: false })
  })

  it('matches an allow-list entry written with a trailing slash', () => {
    expect(sanitizeRedirect('https://accounts.example/x', { ...POLICY, allowedOrigins: ['https://accounts.example/'] }).external).toBe(true)
  })

  it('still turns the own origin into a path when an allow-list is set', () => {
    expect(sanitizeRedirect('https://app.example/y', allow)).toEqual({ url: '/y', external: false, rejected: false })
  })

  it.each([
    ['other port', 'https://accounts.example:8443/x'],
    ['other scheme', 'http://accounts.example/x'],
    ['subdomain', 'https://sub.accounts.example/x'],
    ['suffix domain', 'https://accounts.example.evil.com/x'],
    ['allow-listed host as userinfo', 'https://accounts.example@evil.com/x'],
    ['credentials on allow-listed origin', 'https://u:p@accounts.example/x'],
    ['protocol-relative allow-listed host', '//accounts.example/x'],
    ['no slashes after scheme', 'https:accounts.example/x'],
    ['backslashes after scheme', 'https:\\\\accounts.example/x'],
  ])('rejects the allow-listed host with %s', (_label, target) => {
    expect(sanitizeRedirect(target, allow)).toEqual({ url: '/home', external: false, rejected: true })
  })

  it('rejects a port or scheme that differs from the allow-list entry', () => {
    expect(sanitizeRedirect('https://accounts.example/x', { ...POLICY, allowedOrigins: ['https://accounts.example:8443'] }).rejected).toBe(true)
    expect(sanitizeRedirect('https://accounts.example/x', { ...POLICY, allowedOrigins: ['http://accounts.example'] }).rejected).toBe(true)
  })
})

describe('sanitizeRedirect: the fallback', () => {
  it('uses the fallback as a path', () => {
    expect(sanitizeRedirect('//evil.com', { fallback: '/dashboard?x=1' })).toEqual({ url: '/dashboard?x=1', external: false, rejected: true })
  })

  it('turns a same-origin absolute fallback into a path', () => {
    expect(sanitizeRedirect('//evil.com', { fallback: 'https://app.example/home', origin: ORIGIN }).url).toBe('/home')
  })

  it.each([
    ['protocol-relative', '//evil.com'],
    ['other origin', 'https://evil.com'],
    ['javascript', 'javascript:alert(1)'],
    ['backslash', '/\\evil.com'],
    ['empty', ''],
    ['relative', 'home'],
    ['control character', '/\thome'],
    ['dot segment collapsing to //', '/.//evil.com'],
    ['same-origin URL collapsing to //', 'https://app.example//evil.com'],
  ])('yields "/" when the fallback itself is unsafe (%s)', (_label, fallback) => {
    expect(sanitizeRedirect('//attacker.example', { fallback, origin: ORIGIN })).toEqual({ url: '/', external: false, rejected: true })
  })

  it('never lets the fallback be external, even if its origin is allow-listed', () => {
    const result = sanitizeRedirect('//evil.com', { fallback: 'https://accounts.example/x', allowedOrigins: ['https://accounts.example'] })
    expect(result).toEqual({ url: '/', external: false, rejected: true })
  })
})

describe('sanitizeRedirect: properties', () => {
  // Pieces that, combined, produce most known bypass shapes: a start, then path-ish characters.
  const start = fc.constantFrom('', '/', '//', '\\', 'https://app.example', 'https://accounts.example', 'https:', 'javascript:', '%2f', 'evil.com')
  const piece = fc.constantFrom(
    '/', '/', '/', '\\', '.', '..', '%2e', '%2f', '%5c', '%25', '%252e', '%252F', '%', '?', '#', '@', ':', 'evil.com', 'a',
    ' ', '\t', '\u2028', '\uFF0F', '\u00E9',
  )
  const target = fc.oneof(
    fc.tuple(start, fc.array(piece, { maxLength: 6 })).map(([head, parts]) => head + parts.join('')),
    fc.string({ maxLength: 20 }),
  )
  const allowPolicy: RedirectPolicy = { ...POLICY, allowedOrigins: ['https://accounts.example'] }
  // Known shapes are always tried first, so the properties do not depend on the random seed to find them.
  const examples: Array<[string]> = [['/.//evil.com'], ['https://app.example//evil.com'], ['/%2e%2e/%2fevil.com'], ['/?\\'], ['https://accounts.example//x'], ['/%252e%252e//evil.com']]

  it('only ever yields a safe app path or an allow-listed absolute URL', () => {
    fc.assert(fc.property(target, (input) => {
      const result = sanitizeRedirect(input, allowPolicy)
      if (result.rejected) {
        expect(result).toEqual({ url: '/home', external: false, rejected: true })
      }
      else if (result.external) {
        const url = new URL(result.url)
        expect(url.origin).toBe('https://accounts.example')
        expect(url.username + url.password).toBe('')
      }
      else {
        assertSafeInternalPath(result.url)
      }
    }), { numRuns: 1000, examples })
  })

  it('is idempotent: an accepted path is accepted again unchanged', () => {
    fc.assert(fc.property(target, (input) => {
      const first = sanitizeRedirect(input, POLICY)
      fc.pre(!first.rejected)
      expect(sanitizeRedirect(first.url, POLICY)).toEqual({ url: first.url, external: false, rejected: false })
    }), { numRuns: 1000, examples })
  })

  it('accepts every plain path made of safe characters unchanged', () => {
    const segment = fc.stringMatching(/^[\w~-]{1,8}$/)
    fc.assert(fc.property(fc.array(segment, { minLength: 0, maxLength: 5 }), (segments) => {
      const path = `/${segments.join('/')}`
      expect(sanitizeRedirect(path, POLICY)).toEqual({ url: path, external: false, rejected: false })
    }), { numRuns: 300 })
  })
})
