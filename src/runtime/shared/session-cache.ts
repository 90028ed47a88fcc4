import { isPlainJson } from '../core/plain-json'
import { tokenTiming } from '../core/token'
import { issuerTimePassed, localExpiry, localTimeOf } from './server-issuer-clock'
import { createExpiringCache, sha256Hex, sha256HexSync, type ExpiringCache } from './expiring-cache'
import { readSealed, sharedState, writeSealed, type SharedState } from './shared-state'

/** `runtimeConfig.auth.sessionCache`: `maxAge` 0 turns the cache off. */
export interface SessionCacheSettings {
  maxAge: number
  maxEntries: number
}

/**
 * Server side: the backend's answer to "whose token is this?" for SSR, kept for `maxAge` seconds and never past
 * the token's own expiry, so a burst of page loads costs one session call instead of one each. Keyed by a
 * hash of the token; only sessions are kept (a 401 or an error always goes back to the backend next time).
 */
// One per server process, on globalThis: Nuxt's server app and Nitro's routes are bundled separately, and a
// module-level variable would give the relay's sign-out a cache of its own that page renders never read.
const STORE = Symbol.for('nuxt-gatekeeper:session-cache')
// The configured maxAge, for sign-out's marker (forgetCachedSession has no settings of its own).
const MAX_AGE = Symbol.for('nuxt-gatekeeper:session-cache-max-age')
const holder = globalThis as { [STORE]?: ExpiringCache<CachedAnswer>, [MAX_AGE]?: number }

/** One token's answer: in flight (shared by concurrent requests), then settled with a way to copy it. */
interface CachedAnswer {
  /** Resolves when `copy` is set; rejects with the lookup's failure (requests that joined it fail alike). */
  settled: Promise<void>
  /** Set once the session is in: a fresh copy for each request, without waiting. */
  copy?: () => unknown
  /**
   * The token's `exp` (ms, the issuer's clock), when it states one: checked on each hit against that clock as the
   * process knows it then, since a refresh's `iat` may correct the estimate after the entry was kept.
   */
  expiresAt?: number | null
}

/** A kept answer for a token the server would now take for expired (it refreshes from there) is no answer. */
function expiredSince(answer: CachedAnswer): boolean {
  return issuerTimePassed(answer.expiresAt ?? null)
}

function cacheFor(settings: SessionCacheSettings) {
  holder[MAX_AGE] = settings.maxAge
  if (holder[STORE]?.capacity !== settings.maxEntries) holder[STORE] = createExpiringCache(settings.maxEntries)
  return holder[STORE]
}

export function sessionCacheEnabled(settings: SessionCacheSettings | undefined): settings is SessionCacheSettings {
  return Boolean(settings && settings.maxAge > 0 && settings.maxEntries > 0)
}

/**
 * How each request gets its own copy: an app that edits its session object must not edit another request's.
 * JSON.parse of a kept string costs a tenth of a structuredClone per request; anything else (a Date from a
 * custom strategy) is cloned, and what cannot be cloned throws here, before it is kept.
 */
export function copier(session: unknown): () => unknown {
  if (isPlainJson(session)) {
    const json = JSON.stringify(session)
    return () => JSON.parse(json)
  }
  const kept = structuredClone(session)
  return () => structuredClone(kept)
}

/**
 * The cached session for this token if it is already here, without waiting (a server render with a cache hit
 * needs no promise at all); undefined when it must be asked for (a miss, in flight, nobody, no synchronous hash).
 */
export function peekCachedSession(token: string, settings: SessionCacheSettings): { session: unknown } | undefined {
  const key = sha256HexSync(token)
  const answer = key === undefined ? undefined : cacheFor(settings).get(key)
  const session = answer && !expiredSince(answer) ? answer.copy?.() : undefined
  return session === null || session === undefined ? undefined : { session }
}

export async function cachedSession(token: string, settings: SessionCacheSettings, load: () => Promise<unknown>): Promise<unknown> {
  const entries = cacheFor(settings)
  // No await where the hash is synchronous: a hit then costs no promise hop.
  const key = sha256HexSync(token) ?? await sha256Hex(token)
  const hit = entries.get(key)
  if (hit && !expiredSince(hit)) {
    if (!hit.copy) await hit.settled
    return hit.copy!()
  }
  const shared = sharedState()
  const loading = shared ? shared.then(state => sharedSession(state, key, token, settings, load)) : load()
  const answer = {} as CachedAnswer
  answer.settled = loading.then((session) => {
    answer.copy = copier(session)
  })
  // Concurrent requests with the same token share the one in flight.
  entries.set(key, answer, Number.POSITIVE_INFINITY)
  try {
    // A copy that fails is a failure too: nothing that cannot be handed out again stays in the cache.
    const [session] = await Promise.all([loading, answer.settled])
    if (session === null || session === undefined) entries.deleteIf(key, answer)
    else if (entries.get(key) === answer) {
      answer.expiresAt = tokenTiming(token).expiresAt
      entries.set(key, answer, Math.min(Date.now() + settings.maxAge * 1000, localTimeOf(answer.expiresAt)))
    }
    return session
  }
  catch (error) {
    entries.deleteIf(key, answer)
    throw error
  }
}

/**
 * `auth.sharedState`: the answer kept in the shared storage too, so each token costs the fleet one session call.
 * The cache is an optimisation: a storage failure asks the backend rather than failing the request.
 */
async function sharedSession(state: SharedState, key: string, token: string, settings: SessionCacheSettings, load: () => Promise<unknown>): Promise<unknown> {
  const stored = `c:${key}`
  const known = await readSealed<{ session?: unknown, forgotten?: true }>(state, stored).catch(() => null)
  if (known && !known.forgotten) return known.session
  const session = await load()
  const until = Math.min(Date.now() + settings.maxAge * 1000, localExpiry(token))
  if (session === null || session === undefined || until <= Date.now() || known?.forgotten) return session
  // Not over a sign-out's marker, also one written while the backend answered: a lookup that started before it
  // must not put the session back. Read again just before the write (storage offers no compare-and-set; what is
  // left is the time between this read and the write, not a whole backend call).
  const now = await readSealed<{ forgotten?: true }>(state, stored).catch(() => null)
  if (now?.forgotten) return session
  await writeSealed(state, stored, { session }, (until - Date.now()) / 1000).catch(error => console.warn(`[nuxt-gatekeeper] The shared state storage "${state.name}" failed to keep a session: ${(error as Error)?.message ?? error}`))
  return session
}

/**
 * After a sign-out or a 401 for this token, the next SSR request asks the backend again. With shared state the
 * shared entry becomes a marker for `maxAge` (a lookup in flight elsewhere does not write it back); another
 * instance's in-process copy may still answer until its own `maxAge` runs out.
 */
export async function forgetCachedSession(token: string | null | undefined): Promise<void> {
  if (!token) return
  const key = await sha256Hex(token)
  holder[STORE]?.delete(key)
  const shared = sharedState()
  if (shared) await shared.then(state => writeSealed(state, `c:${key}`, { forgotten: true }, holder[MAX_AGE] ?? 60)).catch(() => {})
}
