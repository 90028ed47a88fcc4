import { parse, serialize } from 'cookie-es'
import type { CookieJar } from '../shared/token-store'

/**
 * The browser's jar, `document.cookie` itself: read at the moment of use, written at once. No cached copy
 * exists that could be written back after another tab changed the cookie.
 */
export const documentJar: CookieJar = {
  // parse() URI-decodes each value once, matching serialize()'s encodeURIComponent.
  read: name => parse(document.cookie)[name] || null,
  write(cookie, value) {
    // Scripts cannot set HttpOnly (the browser drops the whole cookie), so the attribute is left out here.
    document.cookie = serialize(cookie.name, value ?? '', {
      path: '/',
      domain: cookie.domain || undefined,
      sameSite: cookie.sameSite,
      secure: cookie.secure,
      maxAge: value === null ? 0 : cookie.maxAge,
    })
  },
}
