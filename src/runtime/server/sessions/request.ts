import { createError, deleteCookie, getCookie, getHeader, getRequestIP, getRequestProtocol, setCookie, setResponseHeader, type H3Event } from 'h3'
import { AuthError, type TokenResult } from '../../core'
import type { PublicAuthConfig } from '../../core/config'
import { readPointer } from '../../core/pointer'
import type { CookieJar } from '../../shared/token-store'
import { SessionStorageError, type OpenSession, type SessionService, type SessionTokens } from './store'

/**
 * One request's server-side session: loaded once by the middleware (sessions.ts), then read and written through
 * a jar the token store uses like the cookie jar it replaces, so the relay routes, SSR and the server utilities
 * work unchanged in session mode. What changes is stored by `commit` (a sign-in: a new session) or under the
 * session's lock (a refresh); a verdict that ends the session removes it at once.
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

const NONE: SessionTokens = { token: null, refreshToken: null }

export function requestSession(event: H3Event): RequestSession | undefined {
  return (event.context as Record<PropertyKey, unknown>)[REQUEST_SESSION] as RequestSession | undefined
}

/** The cookie's name and attributes: `__Host-` and `Secure` over https (the name cannot be set by a sibling domain). */
export function sessionCookie(event: H3Event, service: SessionService) {
  const secure = getRequestProtocol(event) === 'https'
  const { cookieName, sameSite, maxAge } = service.settings
  return { name: secure ? `__Host-${cookieName}` : cookieName, attributes: { path: '/', httpOnly: true, secure: secure || sameSite === 'none', sameSite, maxAge } }
}

/** A storage failure as the browser sees it: 503 with a code, never a 401 that would sign anybody out. */
export function storageUnavailable(event: H3Event, error: unknown) {
  console.warn(`[nuxt-gatekeeper] ${(error as Error)?.message ?? error}`)
  setResponseHeader(event, 'retry-after', 5)
  return createError({ statusCode: 503, statusMessage: 'SESSION_STORAGE_UNAVAILABLE', data: { authError: { code: 'NETWORK', message: 'The session storage is unavailable' } } })
}

/** Reads the request's session cookie and loads its session (the middleware, once per request). */
export async function loadRequestSession(event: H3Event, service: SessionService): Promise<RequestSession> {
  const state: RequestSession = { event, service, open: null, persisted: NONE, current: NONE, pending: [] }
  ;(event.context as Record<PropertyKey, unknown>)[REQUEST_SESSION] = state
  const cookie = sessionCookie(event, service)
  const raw = getCookie(event, cookie.name)
  if (!raw) return state
  const id = await service.keys.verify(raw)
  const open = id ? await service.read(await service.handleOf(id)) : null
  if (!open) {
    // Forged, expired or revoked: the cookie goes (a storage failure threw above and keeps it).
    deleteCookie(event, cookie.name, cookie.attributes)
    return state
  }
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

/** The token store's jar over the request's session: the token cookies' names map onto the stored tokens. */
export function sessionJar(state: RequestSession, config: PublicAuthConfig): CookieJar {
  const field = (name: string): keyof SessionTokens | null => name === config.token?.cookie.name ? 'token' : name === config.refreshToken?.cookie.name ? 'refreshToken' : null
  const endIfEmpty = () => {
    if (state.current.token || state.current.refreshToken || !state.open) return
    // A verdict or a sign-out: the session ends now, everywhere.
    const ended = state.open
    state.open = null
    state.persisted = NONE
    const cookie = sessionCookie(state.event, state.service)
    deleteCookie(state.event, cookie.name, cookie.attributes)
    state.pending.push(logFailure(state.service.revoke(ended.handle)))
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
      const spent = state.current.refreshToken
      try {
        await state.service.locked(open.handle, async () => {
          const stored = await state.service.read(open.handle)
          if (!stored) throw new AuthError('REFRESH_REFUSED', 'The session was revoked or has expired', { status: 401 })
          if (stored.tokens.refreshToken !== spent) {
            // Another request (of this instance or another one) refreshed while this one waited: its answer is ours.
            state.persisted = stored.tokens
            state.current = stored.tokens
            return
          }
          const result = await refresh()
          const next: SessionTokens = { token: result.token || null, refreshToken: result.refreshToken || stored.tokens.refreshToken }
          if (!await state.service.replaceTokens(open.handle, next)) throw new AuthError('REFRESH_REFUSED', 'The session was revoked while it refreshed', { status: 401 })
          state.persisted = next
          state.current = next
        })
      }
      catch (error) {
        if (error instanceof SessionStorageError) throw storageError(error)
        throw error
      }
    },
    async commit(session?: unknown) {
      await commitRequestSession(state, session)
    },
  }
}

/** A storage failure inside the token flow: no verdict (the session stays), typed for the relay's 503. */
function storageError(error: SessionStorageError) {
  console.warn(`[nuxt-gatekeeper] ${error.message}`)
  return new AuthError('NETWORK', error.message, { cause: error })
}

/**
 * Stores what the request wrote. New tokens (a sign-in) start a new session under a new id, and the one the
 * request came with ends: an id known before sign-in is never signed in (session fixation).
 */
export async function commitRequestSession(state: RequestSession, session?: unknown) {
  const { current, persisted, service, event } = state
  if (current.token !== persisted.token || current.refreshToken !== persisted.refreshToken) {
    if (current.token || current.refreshToken) {
      const previous = state.open
      try {
        const created = await service.create(current, {
          userId: userIdOf(session, service.settings.userIdPointer),
          userAgent: getHeader(event, 'user-agent') ?? '',
          ip: getRequestIP(event, { xForwardedFor: true }) ?? '',
        })
        state.open = { handle: created.handle, meta: created.meta, tokens: current }
        state.persisted = current
        const cookie = sessionCookie(event, service)
        setCookie(event, cookie.name, await service.keys.sign(created.id), cookie.attributes)
      }
      catch (error) {
        if (error instanceof SessionStorageError) throw storageError(error)
        throw error
      }
      if (previous) state.pending.push(logFailure(service.revoke(previous.handle)))
    }
  }
  await Promise.all(state.pending.splice(0))
}

/** Housekeeping (a touch, removing an ended session) that fails is logged; the request goes on. */
function logFailure(work: Promise<unknown>) {
  return work.catch(error => console.warn(`[nuxt-gatekeeper] ${(error as Error)?.message ?? error}`))
}

function userIdOf(session: unknown, pointer: string): unknown {
  const found = readPointer(session, pointer)
  const value = found.found ? found.value : undefined
  return typeof value === 'string' || typeof value === 'number' ? value : null
}
