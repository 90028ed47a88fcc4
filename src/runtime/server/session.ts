import { createError, type H3Event } from 'h3'
import { useRuntimeConfig } from '#imports'
import { AuthError, isAuthError } from '../core'
import { jwtExpiry } from '../core/token'
import type { Session } from '../types'
import { refreshOnServer, responseSent } from '../shared/server-refresh'
import { cachedSession, sessionCacheEnabled, type SessionCacheSettings } from '../shared/session-cache'
import { relayContext } from './relay'

// Server utilities for the token providers (local, refresh): the same names as the Auth.js provider's. The
// token comes from the Authorization header (API clients, useAuthFetch) or the module's cookie; the session
// from the backend's session endpoint, through the server's session cache, so a page render and the API calls
// it makes cost one backend call. Worked out once per request.
const RESOLVED = Symbol.for('nuxt-gatekeeper:server-auth')
const FRESH = Symbol.for('nuxt-gatekeeper:server-token')

interface ServerAuth {
  token: string | null
  session: Session | null
}

type EventContext = Record<PropertyKey, unknown>

/**
 * The access token of this request, refreshed first when it has expired (once per browser, see refreshOnServer).
 * Once per request: the cookies this response sets are the request's tokens from then on.
 */
function freshToken(event: H3Event): Promise<{ token: string | null, relay: ReturnType<typeof relayContext> }> {
  const context = event.context as EventContext
  context[FRESH] ??= renewToken(event)
  return context[FRESH] as Promise<{ token: string | null, relay: ReturnType<typeof relayContext> }>
}

async function renewToken(event: H3Event): Promise<{ token: string | null, relay: ReturnType<typeof relayContext> }> {
  const relay = relayContext(event, { bearer: true })
  const { tokens, strategy, context } = relay
  const token = tokens.token()
  const expiresAt = token ? jwtExpiry(token) : null
  const expired = !token || (expiresAt !== null && expiresAt <= Date.now())
  if (expired && !relay.fromHeader && strategy.refresh && tokens.refreshToken()) {
    try {
      await refreshOnServer(strategy, context, tokens, () => responseSent(event))
    }
    catch (error) {
      if (isAuthError(error) && error.isVerdict) {
        tokens.clear()
        return { token: null, relay }
      }
      throw unavailable(error)
    }
  }
  return { token: tokens.token(), relay }
}

async function resolve(event: H3Event): Promise<ServerAuth> {
  const { token, relay } = await freshToken(event)
  if (!token) return { token: null, session: null }
  const settings = (useRuntimeConfig(event).auth as { sessionCache?: SessionCacheSettings } | undefined)?.sessionCache
  const load = () => relay.strategy.getSession(relay.context)
  try {
    const session = (sessionCacheEnabled(settings) ? await cachedSession(token, settings, load) : await load()) as Session | null
    return { token, session }
  }
  catch (error) {
    // The backend refused the token: nobody is signed in (a cookie it refused is dropped, as SSR does).
    if (isAuthError(error) && error.isVerdict) {
      if (!relay.fromHeader) relay.tokens.write({ token: null })
      return { token: null, session: null }
    }
    throw unavailable(error)
  }
}

function serverAuth(event: H3Event): Promise<ServerAuth> {
  const context = event.context as EventContext
  context[RESOLVED] ??= resolve(event)
  return context[RESOLVED] as Promise<ServerAuth>
}

/** No verdict (backend down, a timeout, an answer it cannot use): a 503 or 504, never a 401 that would sign out. */
function unavailable(error: unknown) {
  const authError = isAuthError(error) ? error : new AuthError('BAD_RESPONSE', 'Unexpected failure', { cause: error })
  console.warn(`[nuxt-gatekeeper] server session: ${authError.code}: ${authError.message}`)
  const status = authError.code === 'TIMEOUT' ? 504 : 503
  return createError({ statusCode: status, statusMessage: authError.code, data: { authError: { code: authError.code } } })
}

/** The session of this request's visitor or API client, or null. A backend that cannot answer is a 503, not null. */
export async function getServerSession(event: H3Event): Promise<Session | null> {
  return (await serverAuth(event)).session
}

/**
 * The raw access token, for calling the backend from a route: refreshed first when it has expired (the new
 * cookies are set on this response), or null when nobody is signed in. Asks the backend for no session.
 */
export async function getServerToken(event: H3Event): Promise<string | null> {
  const context = event.context as EventContext
  if (context[RESOLVED]) return (await serverAuth(event)).token
  return (await freshToken(event)).relay.tokens.token()
}
