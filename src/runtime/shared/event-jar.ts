import { deleteCookie, getRequestURL, parseCookies, setCookie, type H3Event } from 'h3'
import { warnCookieDomainOnce } from './cookie-domain'
import { keepFromSharedCaches } from './private-answer'
import { BROWSER_COOKIE_BYTES, unreadableJar, type CookieJar } from './token-store'

/**
 * Where session mode puts the request's session jar (the tokens in storage, see server/sessions), when it arrives;
 * the unreadable jar for a render that answers another render's request (server-render-mark.ts).
 */
export const SESSION_JAR = Symbol.for('nuxt-gatekeeper:session-jar')
/** Or, when the session storage failed, the error (a 503) every reader of the tokens gets. */
export const SESSION_ERROR = Symbol.for('nuxt-gatekeeper:session-error')
/** The event the session was loaded for (the one the `request` hook saw). */
export const SESSION_EVENT = Symbol.for('nuxt-gatekeeper:session-event')

/**
 * Whether `event` is the request whose context it carries. Nitro's cached handlers (`cache`, `swr`, `isr` route
 * rules, defineCachedEventHandler) run on an event of their own that shares the incoming request's context, but
 * not its headers (only `varies` ones): their answer is kept and served to everyone, so nothing worked out for
 * the visitor (a loaded session, a resolved session or token) may reach it.
 */
export function ownsContext(event: H3Event, owner: unknown): boolean {
  return owner === undefined || owner === event
}

/** The session storage's failure (a 503) when the request's own session was loaded; never a cached handler's event's. */
export function sessionLoadFailure(event: H3Event): unknown {
  const context = event.context as Record<PropertyKey, unknown>
  return ownsContext(event, context[SESSION_EVENT]) ? context[SESSION_ERROR] : undefined
}

/** The request's token jar: its server-side session when session mode is on, else its cookies. */
export function requestJar(event: H3Event): CookieJar {
  const context = event.context as Record<PropertyKey, unknown>
  // A cached handler's render: the visitor's session is not its own (it sees no cookie), so nobody is signed in.
  if (!ownsContext(event, context[SESSION_EVENT])) return unreadableJar
  const failure = sessionLoadFailure(event)
  if (failure) throw failure
  return context[SESSION_JAR] as CookieJar | undefined ?? createEventJar(event)
}

/**
 * The server's jar: the request's cookies, overlaid with what this response sets. h3's setCookie replaces an
 * earlier Set-Cookie of the same name, so a response carries one per cookie, the last value.
 */
export function createEventJar(event: H3Event): CookieJar {
  const written = new Map<string, string | null>()
  // The request's Cookie header, parsed once (h3's getCookie parses all of it on every call, and a render reads often).
  let sent: Record<string, string> | undefined
  const received = (name: string) => (sent ??= parseCookies(event))[name]
  return {
    maxCookieBytes: BROWSER_COOKIE_BYTES,
    read: name => (written.has(name) ? written.get(name)! : received(name) || null),
    write(cookie, value) {
      // Deleting a cookie the browser did not send, and this response did not set, would only add a header.
      if (value === null && !written.has(cookie.name) && received(cookie.name) === undefined) return
      written.set(cookie.name, value)
      // The host the browser asked for (behind the dev server's proxy, the forwarded one).
      if (import.meta.dev && value !== null && cookie.domain) warnCookieDomainOnce(cookie.name, cookie.domain, getRequestURL(event, { xForwardedHost: true }).hostname)
      const attributes = { path: '/', domain: cookie.domain || undefined, sameSite: cookie.sameSite, secure: cookie.secure, httpOnly: cookie.httpOnly }
      if (value === null) deleteCookie(event, cookie.name, attributes)
      else setCookie(event, cookie.name, value, { ...attributes, maxAge: cookie.maxAge })
      // Whatever the answer is (a page whose check reached no verdict, an API route): it carries this visitor's tokens.
      keepFromSharedCaches(event)
    },
  }
}
