import { warnCookieDomainOnce } from '../shared/cookie-domain'
import { BROWSER_COOKIE_BYTES, type CookieJar } from '../shared/token-store'

// `document.cookie` reads as `a=1; b=2` and takes one `name=value; Attribute…` per write: the jar reads and writes
// that much itself, without cookie-es (0.8 kB gzip in the browser for parse and serialize, whose checks guard
// inputs this jar never gets: the names and attributes are nuxt.config options checked at build time, and the
// values are URI-encoded here). The server reads and writes cookies through h3.
const SAME_SITE: Readonly<Record<string, string>> = { true: 'Strict', strict: 'Strict', lax: 'Lax', none: 'None' }

/**
 * The browser's jar, `document.cookie` itself: read at the moment of use, written at once. No cached copy
 * exists that could be written back after another tab changed the cookie.
 */
export const documentJar: CookieJar = {
  maxCookieBytes: BROWSER_COOKIE_BYTES,
  read(name) {
    for (const pair of document.cookie.split(';')) {
      const at = pair.indexOf('=')
      if (at < 0 || pair.slice(0, at).trim() !== name) continue
      // The first one wins, as in cookie-es: the browser lists the cookie of the longest path first.
      let value = pair.slice(at + 1).trim()
      if (value.startsWith('"')) value = value.slice(1, -1)
      try {
        value = decodeURIComponent(value)
      }
      catch {
        // Not URI-encoded (another writer's raw `%`): the value as it is.
      }
      return value || null
    }
    return null
  },
  write(cookie, value) {
    if (import.meta.dev && value !== null && cookie.domain) warnCookieDomainOnce(cookie.name, cookie.domain, location.hostname)
    const sameSite = SAME_SITE[String(cookie.sameSite)]
    // Scripts cannot set HttpOnly (the browser drops the whole cookie), so the attribute is left out here.
    document.cookie = `${cookie.name}=${encodeURIComponent(value ?? '')}; Max-Age=${value === null ? 0 : Math.floor(cookie.maxAge)}`
      + (cookie.domain ? `; Domain=${cookie.domain}` : '')
      + '; Path=/'
      + (cookie.secure ? '; Secure' : '')
      + (sameSite ? `; SameSite=${sameSite}` : '')
  },
}
