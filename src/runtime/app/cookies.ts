import type { CookieRef } from '#app'
import { useCookie } from '#imports'
import type { CookieRuntimeConfig } from '../core/config'

/**
 * A token cookie with the attributes from the options. Values are stored verbatim (no JSON parsing:
 * an opaque token such as "123" must stay a string).
 */
export function useTokenCookie(cookie: CookieRuntimeConfig): CookieRef<string | null | undefined> {
  return useCookie<string | null | undefined>(cookie.name, {
    maxAge: cookie.maxAge,
    sameSite: cookie.sameSite,
    secure: cookie.secure,
    domain: cookie.domain,
    httpOnly: cookie.httpOnly,
    path: '/',
    default: () => null,
    encode: value => (value ? encodeURIComponent(value) : ''),
    decode: value => (value ? decodeURIComponent(value) : null),
  })
}
