import type { H3Event } from 'h3'
import { isAuthError } from '../core'
import type { Session } from '../types'
import { refreshOnServer, refusedAgainSoon, rememberRefusalSuccessor, responseSent } from '../shared/server-refresh'
import { serverSessionLookup } from '../shared/server-session'
import { forgetCachedSession } from '../shared/session-cache'
import { serverSettings } from '../shared/server-settings'
import { ownsContext } from '../shared/event-jar'
import { localExpiry } from '../shared/server-issuer-clock'
import { withoutTokenValues } from '../shared/token-store'
import { passRetryAfter, relayContext, relayError } from './relay'
import { renewalDue } from './renewal-due'

// Server utilities for the token providers (local, refresh): the same names as the Auth.js provider's. The
// token comes from the token header (token.headerName: API clients, useAuthFetch) or the module's cookie; the session
// from the token itself when auth.jwtVerification is set, else from the backend's session endpoint through the
// server's session cache, so a page render and the API calls it makes cost one backend call (see
// shared/server-session.ts). Worked out once per request.
const RESOLVED = Symbol.for('nuxt-gatekeeper:server-auth')
const FRESH = Symbol.for('nuxt-gatekeeper:server-token')

/** The request's token after any renewal, whether this request renewed it, and the relay context it lives in. */
export interface TokenRelay {
  token: string | null
  renewed: boolean
  relay: ReturnType<typeof relayContext>
}

interface ServerAuth {
  token: string | null
  session: Session | null
}

type EventContext = Record<PropertyKey, unknown>

/** What this request worked out, with the event it is for (a cached handler's event shares the context: ownsContext). */
interface Memo<T> { event: H3Event, value: Promise<T> }

function memo<T>(event: H3Event, key: symbol): Promise<T> | undefined {
  const entry = (event.context as EventContext)[key] as Memo<T> | undefined
  return entry && ownsContext(event, entry.event) ? entry.value : undefined
}

function remember<T>(event: H3Event, key: symbol, value: Promise<T>): Promise<T> {
  ;(event.context as EventContext)[key] = { event, value } satisfies Memo<T>
  return value
}

/**
 * The access token of this request, refreshed first when due (once per browser, see refreshOnServer and
 * renewalDue).
 * Once per request: the cookies this response sets are the request's tokens from then on.
 */
export function freshToken(event: H3Event): Promise<TokenRelay> {
  return memo<TokenRelay>(event, FRESH) ?? remember(event, FRESH, renewToken(event))
}

let earlyRefreshWarnedAt = 0

async function renewToken(event: H3Event): Promise<TokenRelay> {
  const relay = relayContext(event, { bearer: true })
  const { tokens, strategy, context } = relay
  const token = tokens.token()
  if (!relay.fromHeader && strategy.refresh && tokens.refreshToken() && (!token || renewalDue(token, { httpOnly: relay.config.token?.cookie.httpOnly === true, skewSeconds: relay.config.sessionRefresh.skewSeconds }))) {
    try {
      await refreshOnServer(strategy, context, tokens, () => responseSent(event), event)
    }
    catch (error) {
      if (isAuthError(error) && error.isVerdict) {
        tokens.clear()
        return { token: null, renewed: false, relay }
      }
      // A renewal ahead of expiry (httpOnly) that failed without a verdict: the token still works until it expires,
      // so this request goes on with it (a forward to a healthy API during an auth-backend outage). Read again: a
      // refresh a sign-in superseded leaves this request none (the browser holds another user's now).
      const still = tokens.token()
      if (still && localExpiry(still) > Date.now()) {
        // Once a minute at most: during an outage every request of every visitor comes here.
        if (Date.now() - earlyRefreshWarnedAt > 60_000) {
          earlyRefreshWarnedAt = Date.now()
          console.warn(`[nuxt-gatekeeper] A refresh ahead of the access token's expiry failed (${isAuthError(error) ? error.code : 'BAD_RESPONSE'}); the token is used until it expires`)
        }
        return { token: still, renewed: false, relay }
      }
      throw unavailable(event, error)
    }
    return { token: tokens.token(), renewed: true, relay }
  }
  return { token: tokens.token(), renewed: false, relay }
}

async function resolve(event: H3Event, { fresh = false }: { fresh?: boolean } = {}): Promise<ServerAuth> {
  const { token, renewed, relay } = await freshToken(event)
  if (!token) return { token: null, session: null }
  const lookup = serverSessionLookup(serverSettings(), { cache: !fresh })
  const ask = async (current: string) => ({ token: current, session: await lookup(current, () => relay.strategy.getSession(relay.context)) as Session | null })
  try {
    return await ask(token)
  }
  catch (error) {
    if (!(isAuthError(error) && error.isVerdict)) throw unavailable(event, error)
  }
  // The backend refused it: no request of this server takes it from the cache any more (a fresh check asked the
  // backend past an entry that is still there).
  await forgetCachedSession(token)
  // The token was refused: refreshed once, and asked once more (see mayRefreshAfterRefusal).
  const { tokens, fromHeader } = relay
  if (mayRefreshAfterRefusal(relay, token, renewed)) {
    try {
      const successor = await refreshAfterRefusal(event, relay)
      // From here on this request's token is the successor (getServerToken, the forwarding route).
      remember(event, FRESH, Promise.resolve({ token: successor, renewed: true, relay }))
      if (successor) return await ask(successor)
    }
    catch (error) {
      if (!(isAuthError(error) && error.isVerdict)) throw unavailable(event, error)
    }
    tokens.clear()
    return { token: null, session: null }
  }
  // Nobody is signed in with it: a cookie the backend refused is dropped, as SSR does.
  if (!fromHeader) tokens.write({ token: null })
  return { token: null, session: null }
}

/**
 * Whether a 401 to `token` (from the backend's session endpoint, or from an upstream of auth.forward) is to be
 * answered with a refresh on the server: with httpOnly cookies only, since the browser cannot refresh them (with
 * readable cookies its refresher does, under its tab lock, and a server refresh would race it). Not for a token the
 * caller sent in a header (its tab refreshes), nor when this request refreshed already, nor for a token a refresh
 * after a 401 got lately: a backend or API that refuses a token it was just given gets no refresh storm.
 */
export function mayRefreshAfterRefusal(relay: TokenRelay['relay'], token: string, renewed: boolean): boolean {
  return !relay.fromHeader && !renewed && !refusedAgainSoon(token) && relay.tokens.httpOnly && Boolean(relay.strategy.refresh) && Boolean(relay.tokens.refreshToken())
}

/** That refresh: the successor access token (remembered for refusedAgainSoon), or null. Throws as refreshOnServer does. */
export async function refreshAfterRefusal(event: H3Event, relay: TokenRelay['relay']): Promise<string | null> {
  await refreshOnServer(relay.strategy, relay.context, relay.tokens, () => responseSent(event), event)
  const successor = relay.tokens.token()
  rememberRefusalSuccessor(successor)
  return successor
}

function serverAuth(event: H3Event, { fresh = false }: { fresh?: boolean } = {}): Promise<ServerAuth> {
  // A fresh check does not take an answer an earlier call in this request got from the cache.
  if (fresh) return remember(event, RESOLVED, resolve(event, { fresh }))
  return memo<ServerAuth>(event, RESOLVED) ?? remember(event, RESOLVED, resolve(event))
}

/**
 * No verdict (backend down, a timeout, an answer it cannot use): a 503 or 504, never a 401 that would sign out; with
 * the backend's `Retry-After` when it said one (a rate limit), for the app's API clients too. A refresh a sign-in
 * superseded: 409, to be asked again with the browser's new cookies.
 */
function unavailable(event: H3Event, error: unknown) {
  passRetryAfter(event, error)
  // The relay's error shape (the code and its meaning, logged), with the status of a gateway that got no answer.
  const code = isAuthError(error) ? error.code : undefined
  return relayError(error, code === 'TIMEOUT' ? 504 : code === 'SUPERSEDED' ? 409 : 503)
}

/** The session of this request's visitor or API client, or null. A backend that cannot answer is a 503, not null. */
export async function getServerSession(event: H3Event): Promise<Session | null> {
  return (await serverAuth(event)).session
}

/** The browser's own session check (the httpOnly session route): the backend's answer now, not the cache's. */
export async function checkSessionNow(event: H3Event): Promise<Session | null> {
  const { session } = await serverAuth(event, { fresh: true })
  // For page scripts: without the tokens the httpOnly cookies keep from them, should the backend echo them.
  return session && withoutTokenValues(session, (await freshToken(event)).relay.tokens)
}

/**
 * The raw access token, for calling the backend from a route: refreshed first when due (the new cookies are
 * set on this response), or null when nobody is signed in. Asks the backend for no session.
 */
export async function getServerToken(event: H3Event): Promise<string | null> {
  if (memo(event, RESOLVED)) return (await serverAuth(event)).token
  return (await freshToken(event)).relay.tokens.token()
}
