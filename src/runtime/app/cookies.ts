import type { CookieRef } from '#app'
import { parse } from 'cookie-es'
import type { Ref } from 'vue'
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

/**
 * Another tab may have changed the cookies (sign-in, rotation): copy the jar's current values into our refs,
 * whose cached values Nuxt updates only asynchronously, if at all. Client only.
 */
export function syncCookieRefs(pairs: Array<[Ref<string | null | undefined> | null, string | undefined]>) {
  if (!import.meta.client) return
  // parse() URI-decodes each value once, matching the encodeURIComponent of useTokenCookie.
  const jar = parse(document.cookie)
  for (const [ref, name] of pairs) {
    if (!ref || !name) continue
    const value = jar[name] || null
    if ((ref.value ?? null) !== value) ref.value = value
  }
}
