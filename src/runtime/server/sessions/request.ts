import { deleteCookie, getHeader, getRequestIP, getRequestProtocol, parseCookies, setCookie, type H3Event } from 'h3'
import { AuthError, type TokenResult } from '../../core'
import type { PublicAuthConfig } from '../../core/config'
import { valueAt } from '../../core/pointer'
import { createExpiringCache } from '../../shared/expiring-cache'
import { keepFromSharedCaches } from '../../shared/private-answer'
import { rateLimitHoldMs, withTimeLeft } from '../../shared/refresh-dedupe'
import { localExpiry } from '../../shared/server-issuer-clock'
import { assertSendable, type CommitOutcome, type CookieJar } from '../../shared/token-store'
import { SessionStorageError, type OpenSession, type SessionService, type SessionTokens } from './store'

/**
 * One request's server-side session: loaded once when the request arrives (the plugin's request hook, before any
 * middleware of the app), then read and written through a jar the token store uses like the cookie jar it
 * replaces, so the relay routes, SSR and the server utilities work unchanged in session mode. A sign-in stores a new session (`commit` with the session); a refresh, and any
 * other change of the tokens, updates the stored one under its lock, and only while it still holds what this
 * request loaded; a verdict that ends the session removes it at once.
 */
export interface RequestSession {
  event: H3Event
  service: SessionService
  /** The loaded session (null: none, or ended by this request). */
  open: OpenSession | null
  /** What the storage holds for `open`. */
  persisted: SessionTokens
  /** What this request's token store reads: `persisted`, or what a sign-in or a verdict wrote since. */
  current: SessionTokens
  /** Storage work started by a write (a removal), awaited before the response leaves. */
  pending: Array<Promise<unknown>>
}

export const REQUEST_SESSION = Symbol.for('nuxt-gatekeeper:request-session')

/**
 * Tokens the backend rotated that the storage failed to keep (it went away between the backend's answer and the
 * write), by session handle: the next refresh of that session on this instance stores them instead of spending
 * the old refresh token again, which a backend with reuse detection would take for theft and end the session.
 * Kept for an hour; another instance cannot know them (docs/guide/sessions.md, Limits).
 */
const unstored = createExpiringCache<{ spent: SessionTokens, next: SessionTokens }>(10_000)
const UNSTORED_MS = 60 * 60 * 1000

/**
 * A backend's 429 (with Retry-After) to a session's refresh, by session handle, for the wait it asked: the session's
 * requests meanwhile get the refusal with the time left instead of asking again (as shared/refresh-dedupe.ts holds
 * it for the token modes). Per instance.
 */
const rateLimited = createExpiringCache<{ spent: SessionTokens, error: unknown, until: number }>(10_000)

/**
 * A session's refresh that failed without a verdict (a timeout, a 5xx, no connection), by session handle, with its
 * place among such failures: requests that were already waiting on the session's lock take its error instead of spending the same refresh token
 * again. The backend may have rotated it before it failed to answer, and a second spend is a reuse to a backend with
 * reuse detection, which ends the sign-in: a network error must not sign anybody out. Requests that arrive later try
 * again (as the token modes' de-duplication does). Per instance.
 */
const failedRefresh = createExpiringCache<{ spent: SessionTokens, error: unknown, failure: number }>(10_000)
/** Failures recorded so far: a request takes one recorded after it asked (by order, not by a clock that may step). */
let refreshFailures = 0
/** Only for dropping entries: which requests take a failure is decided by `refreshFailures`. */
const FAILED_REFRESH_MS = 5 * 60 * 1000

const NONE: SessionTokens = { token: null, refreshToken: null }

/** The same access and refresh token in both. */
function samePair(a: SessionTokens, b: SessionTokens): boolean {
  return a.token === b.token && a.refreshToken === b.refreshToken
}

export function requestSession(event: H3Event): RequestSession | undefined {
  const state = (event.context as Record<PropertyKey, unknown>)[REQUEST_SESSION] as RequestSession | undefined
  // Not a cached handler's event, which shares the visitor's context (shared/event-jar.ts, ownsContext).
  return state?.event === event ? state : undefined
}

/**
 * The cookie's name and attributes: `__Host-` and `Secure` over https (the name cannot be set by a sibling domain).
 * Also when the request presents the __Host- cookie without https reaching this server (a request made inside the
 * server for a visitor, a proxy that sends no X-Forwarded-Proto): only a secure origin can have set that name, so
 * that is the cookie to rotate or delete, never a plain one written beside it without `Secure`.
 */
export function sessionCookie(event: H3Event, service: Pick<SessionService, 'settings'>, cookies: Record<string, string> = parseCookies(event)) {
  const { cookieName, sameSite, maxAge } = service.settings
  const hostOnly = `__Host-${cookieName}`
  const secure = getRequestProtocol(event) === 'https' || cookies[hostOnly] !== undefined
  return { name: secure ? hostOnly : cookieName, attributes: { path: '/', httpOnly: true, secure: secure || sameSite === 'none', sameSite, maxAge } }
}

/**
 * The session cookie the request carries: the __Host- name whenever it is there (sessionCookie). The plain name only
 * over http: a sibling subdomain or a plain-http answer can plant it beside the real one.
 */
export function presentedSessionCookie(event: H3Event, service: Pick<SessionService, 'settings'>): string | undefined {
  // One parse of the Cookie header for both names (h3 parses it anew on every getCookie).
  const cookies = parseCookies(event)
  return cookies[sessionCookie(event, service, cookies).name]
}

/**
 * Sets the session cookie to a signed id, or deletes it (null). With the __Host- name, a plain one the browser still
 * sends beside it goes too: written before by a request that reached the server without https (or planted by a
 * sibling domain), it would name a session of its own once the __Host- cookie is gone.
 */
export function writeSessionCookie(event: H3Event, service: SessionService, signedId: string | null) {
  const cookies = parseCookies(event)
  const { name, attributes } = sessionCookie(event, service, cookies)
  if (signedId === null) deleteCookie(event, name, attributes)
  else setCookie(event, name, signedId, attributes)
  const plain = service.settings.cookieName
  if (name !== plain && cookies[plain] !== undefined) deleteCookie(event, plain, { ...attributes, secure: attributes.sameSite === 'none' })
  keepFromSharedCaches(event)
}

/** How long a client is asked to wait (`Retry-After`) when the session storage failed. */
const STORAGE_RETRY_MS = 5000

/**
 * A storage failure as the token flow throws it: no verdict (the session stays), a 503 with `Retry-After` wherever
 * it reaches the browser (relay.ts: storageUnavailable, relayError). Logged here, once.
 */
export function storageFailure(error: SessionStorageError): AuthError {
  console.warn(`[nuxt-gatekeeper] ${error.message}`)
  return new AuthError('NETWORK', error.message, { status: 503, retryAfterMs: STORAGE_RETRY_MS, cause: error })
}

/**
 * Loads the session of the request's session cookie (once per request, when it arrives). `presented`: that cookie
 * as the caller already read it (presentedSessionCookie), or null for a request that loads none (the app's built
 * files); read here when not given.
 */
export async function loadRequestSession(event: H3Event, service: SessionService, { presented }: { presented?: string | null } = {}): Promise<RequestSession> {
  const state: RequestSession = { event, service, open: null, persisted: NONE, current: NONE, pending: [] }
  ;(event.context as Record<PropertyKey, unknown>)[REQUEST_SESSION] = state
  const raw = presented === undefined ? presentedSessionCookie(event, service) : presented
  if (!raw) return state
  const id = await service.keys.verify(raw)
  if (!id) {
    // Signed by no configured secret: forged, or from before a secret was dropped. The cookie goes.
    writeSessionCookie(event, service, null)
    return state
  }
  // Expired or revoked: nobody is signed in with it. The cookie stays: a response with this request's (old) id
  // may reach the browser after the one of a sign-in, and must not delete the new session's cookie.
  const handle = service.handleOf(id)
  const open = await service.read(typeof handle === 'string' ? handle : await handle, undefined, { recent: true })
  if (!open) return state
  state.open = open
  state.persisted = open.tokens
  state.current = open.tokens
  // Activity restarts the idle timeout; recorded at most every minute (or tenth of the timeout).
  const now = Date.now()
  if (now - open.meta.lastSeenAt >= Math.min(60_000, service.settings.idleTimeout * 100)) {
    state.pending.push(logFailure(service.touch(open, now)))
  }
  return state
}

/**
 * The jar of a request that brought no session while the session service could not start (`error`): nothing to
 * read (a public page renders), and a sign-in's tokens cannot be stored: a 503 with a code, as when the storage fails.
 */
export function unstartedJar(error: SessionStorageError): CookieJar {
  return {
    read: () => null,
    write(_cookie, value) {
      if (value) throw storageFailure(error)
    },
  }
}

/** The token store's jar over the request's session: the token cookies' names map onto the stored tokens. */
export function sessionJar(state: RequestSession, config: PublicAuthConfig): CookieJar {
  const field = (name: string): keyof SessionTokens | null => name === config.token?.cookie.name ? 'token' : name === config.refreshToken?.cookie.name ? 'refreshToken' : null
  const endIfEmpty = () => {
    if (state.current.token || state.current.refreshToken || !state.open) return
    // A verdict or a sign-out: the session ends now, everywhere. A storage that fails leaves it, and the request a
    // 503 (commit): a sign-out that answered ok must have ended the stored session, or a copy of the cookie would go
    // on working. The cookie stays (only a sign-out removes it, in commit): it opens nothing any more, and this answer
    // may reach the browser after a sign-in's, whose new cookie it must not delete.
    const ended = state.open
    state.open = null
    state.persisted = NONE
    const ending = typedStorageErrors(() => state.service.revoke(ended.handle))
    // Handled where commit awaits it; not an unhandled rejection before then.
    ending.catch(() => {})
    state.pending.push(ending)
  }
  return {
    read(name) {
      const key = field(name)
      return key ? state.current[key] : null
    },
    write(cookie, value) {
      const key = field(cookie.name)
      if (!key) return
      state.current = { ...state.current, [key]: value || null }
      endIfEmpty()
    },
    async refreshExclusive(refresh: () => Promise<TokenResult>) {
      const open = state.open
      if (!open) throw new AuthError('REFRESH_REFUSED', 'There is no session to refresh')
      // Ended meanwhile (revoked, expired): as for a session found ended when the request arrived, the request is
      // signed out and the cookie stays, since the browser may hold a newer session's by the time this answer lands.
      const gone = (message: string) => {
        state.open = null
        state.persisted = state.current = NONE
        return new AuthError('REFRESH_REFUSED', message, { status: 401 })
      }
      const spent = state.current.refreshToken
      const asked = refreshFailures
      await typedStorageErrors(() => state.service.locked(open.handle, async () => {
        const stored = await state.service.read(open.handle)
        if (!stored) throw gone('The session was revoked or has expired')
        // (Both tokens: with refreshOnlyToken the refresh token never changes, the access token does.)
        if (stored.tokens.refreshToken !== spent || stored.tokens.token !== state.persisted.token) {
          // Another request (of this instance or another one) refreshed while this one waited: its answer is ours.
          state.persisted = stored.tokens
          state.current = stored.tokens
          return
        }
        let base = stored.tokens
        const lost = unstored.get(open.handle)
        if (lost && samePair(lost.spent, base)) {
          // An earlier request of this instance got these from the backend and could not store them: stored now,
          // instead of spending `base` again (kept in memory until a write gets through).
          const outcome = await state.service.replaceTokens(open.handle, base, lost.next)
          unstored.delete(open.handle)
          if (outcome === 'gone') throw gone('The session was revoked while it refreshed')
          const adopted = outcome === 'replaced' ? lost.next : (await state.service.read(open.handle))?.tokens ?? lost.next
          state.persisted = adopted
          state.current = adopted
          // Still good: nothing to refresh. Expired meanwhile: refreshed with the successor (the jar holds it now).
          // (Judged by the issuer's clock as this process knows it, as every other expiry on the server.)
          if (outcome !== 'replaced' || localExpiry(adopted.token ?? '') > Date.now()) return
          base = adopted
        }
        const held = rateLimited.get(open.handle)
        if (held && samePair(held.spent, base)) throw withTimeLeft(held.error, held.until)
        const failed = failedRefresh.get(open.handle)
        if (failed && failed.failure > asked && samePair(failed.spent, base)) throw failed.error
        let result: TokenResult
        try {
          result = await refresh()
        }
        catch (error) {
          const holdMs = rateLimitHoldMs(error)
          if (holdMs > 0) rateLimited.set(open.handle, { spent: base, error, until: Date.now() + holdMs }, Date.now() + holdMs)
          else if (!(error instanceof AuthError && error.isVerdict)) failedRefresh.set(open.handle, { spent: base, error, failure: ++refreshFailures }, Date.now() + FAILED_REFRESH_MS)
          else {
            // A verdict on `base`. Had this lock been lost meanwhile (Redis restarted or failed over, a holder stuck
            // past its renewals), another request may have refreshed and stored the successor: the refusal is of a
            // refresh token the session no longer holds (the backend saw a reuse), and the session goes on with what
            // it holds. (The refresh token only: with refreshOnlyToken it stays, and its refusal ends the session.)
            const now = await state.service.read(open.handle).catch(() => null)
            if (now && now.tokens.refreshToken !== base.refreshToken) {
              state.persisted = now.tokens
              state.current = now.tokens
              return
            }
          }
          throw error
        }
        const next: SessionTokens = { token: result.token || null, refreshToken: result.refreshToken || base.refreshToken }
        for (const [what, value] of [['access token', next.token], ['refresh token', next.refreshToken]] as const) if (value) assertSendable(value, what)
        const outcome = await state.service.replaceTokens(open.handle, base, next).catch((error: unknown) => {
          unstored.set(open.handle, { spent: base, next }, Date.now() + UNSTORED_MS)
          throw error
        })
        if (outcome === 'gone') throw gone('The session was revoked while it refreshed')
        // 'changed': this lock expired while the backend answered and another request stored its refresh: that one stands.
        const kept = outcome === 'replaced' ? next : (await state.service.read(open.handle))?.tokens ?? next
        state.persisted = kept
        state.current = kept
      }))
    },
    async commit(outcome?: CommitOutcome) {
      await commitRequestSession(state, outcome)
    },
    async settle() {
      const open = state.open
      if (!open) return
      // Under the session's lock: a refresh of another request finishes first, and its successor is what is stored.
      await typedStorageErrors(() => state.service.locked(open.handle, async () => {
        const stored = await state.service.read(open.handle)
        state.persisted = state.current = stored?.tokens ?? NONE
        if (!stored) state.open = null
      }))
    },
  }
}

/** Storage failures inside the token flow, typed (storageFailure). */
async function typedStorageErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  }
  catch (error) {
    throw error instanceof SessionStorageError ? storageFailure(error) : error
  }
}

/**
 * Stores what the request wrote. A sign-in (`signIn`: the route that signed in, with the new session) starts a
 * new session under a new id, and the one the request came with ends: an id known before sign-in is never signed
 * in (session fixation). Any other change updates the stored session under its lock, unless another request
 * changed it first (then the stored tokens win); a session that is gone is never brought back.
 */
export async function commitRequestSession(state: RequestSession, outcome?: CommitOutcome) {
  const { current, persisted, service, event } = state
  const signIn = outcome && 'session' in outcome ? outcome : undefined
  const changed = !samePair(current, persisted)
  const holdsTokens = Boolean(current.token || current.refreshToken)
  if (changed && holdsTokens && !signIn && state.open) {
    const open = state.open
    await typedStorageErrors(() => service.locked(open.handle, async () => {
      const outcome = await service.replaceTokens(open.handle, persisted, current)
      if (outcome === 'replaced') state.persisted = current
      // Another request changed the session first: its tokens stand, this request's change is dropped.
      else state.persisted = state.current = (await service.read(open.handle))?.tokens ?? NONE
    }))
  }
  // Also when the backend answered the sign-in with the tokens the request's session holds already (a backend that
  // hands out the same pair again): a sign-in always gets a new id.
  if (holdsTokens && signIn) {
    const previous = state.open
    const { created, signedId } = await typedStorageErrors(async () => {
      const created = await service.create(current, {
        userId: userIdOf(signIn.session, service.settings.userIdPointer),
        userAgent: getHeader(event, 'user-agent') ?? '',
        // Behind a proxy the client's address is in X-Forwarded-For; shown to the user only, and bounded.
        ip: (getRequestIP(event, { xForwardedFor: true }) ?? '').slice(0, 64),
      })
      return { created, signedId: await service.keys.sign(created.id) }
    }).catch((error: unknown) => {
      // Not signed in after all. The request's session keeps what it held: the response's own commit (without an
      // outcome, see plugins/sessions.ts) would otherwise store this sign-in's tokens in the session the browser
      // came with, which would then open the new user's account (session fixation).
      state.current = state.persisted
      throw error
    })
    state.open = { handle: created.handle, meta: created.meta, tokens: current }
    state.persisted = current
    writeSessionCookie(event, service, signedId)
    if (previous) state.pending.push(logFailure(service.revoke(previous.handle)))
  }
  await Promise.all(state.pending.splice(0))
  // Once the stored session has ended (a storage that failed threw above, and the cookie stays with it).
  if (outcome && 'signedOut' in outcome) writeSessionCookie(event, service, null)
}

/** Housekeeping (a touch, removing an ended session) that fails is logged; the request goes on. */
function logFailure(work: Promise<unknown>) {
  return work.catch(error => console.warn(`[nuxt-gatekeeper] ${(error as Error)?.message ?? error}`))
}

function userIdOf(session: unknown, pointer: string): unknown {
  const value = valueAt(session, pointer)
  return typeof value === 'string' || typeof value === 'number' ? value : null
}
