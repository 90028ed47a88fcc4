import { RETRY_AFTER_MAX_MS } from '../core/backoff'
import { AuthError, isAuthError } from '../core/errors'
import type { TokenResult } from '../core/strategy'
import { sha256Hex } from './expiring-cache'
import { readSealed, sharedState, writeSealed, type SharedState } from './shared-state'

/**
 * Server side: requests of one browser carrying the same refresh token while a refresh with it is in flight
 * (two SSR renders of tabs restored at once, a reload during a tab's refresh through the relay route) must not
 * spend the refresh token twice. The first spends it; the others join it and get its result.
 *
 * In flight lasts until the answer carrying the successor has left this server (`answered`: the response's
 * `close`), because until then the browser still holds the spent pair and may present it again. Not longer:
 * a request presenting the pair after that is a replay and goes to the backend, whose reuse detection sees it.
 * Unless the answer never arrived: the connection closed first (the browser's request timed out while the backend
 * was still answering, a dropped network). The browser then still holds the spent pair and will present it again,
 * so the successor stays joinable for UNDELIVERED_HOLD_MS; the backend would take that retry for a reuse.
 * Keyed by a hash of the refresh token (never the token itself), so nothing crosses between users.
 *
 * Except with httpOnly refresh cookies (`graceMs`): page scripts cannot read them, so no tab lock holds a page's
 * other requests back while one refreshes, and a browser sends at most six at a time to a host: the rest leave
 * with the spent pair after the successor has been answered. For `graceMs` after the answer those get the same
 * successor instead of a reuse that would revoke the session; the grace a rotating identity provider gives
 * (Okta's grace period, Auth0's reuse interval) for the same reason.
 *
 * With `auth.sharedState` the same holds across server instances (see sharedRefresh): this map joins the
 * requests of one process, the shared storage those of the fleet.
 *
 * A sign-out with a refresh token whose refresh is in flight ends that refresh too (endServerRefresh): otherwise
 * the refresh's answer, arriving after the sign-out's, would set the successor's cookies again. A sign-in does the
 * same (supersedeServerRefresh): the previous user's successor would replace the new user's cookies.
 *
 * A refresh the backend rate-limited (429 with `Retry-After`) stays joinable, as that refusal, for as long as the
 * backend asked (at most RETRY_AFTER_MAX_MS): reloads meanwhile are answered RATE_LIMITED with the time left,
 * instead of asking a backend that said when to ask again.
 */
// One per server process (see session-cache.ts for why on globalThis).
const IN_FLIGHT = Symbol.for('nuxt-gatekeeper:refresh-in-flight')
// Made by a pure-annotated call so a browser bundle that imports this file without using it drops it too.
const inFlight: Map<string, Promise<unknown>> = /* @__PURE__ */ processMap()

function processMap(): Map<string, Promise<unknown>> {
  return ((globalThis as { [IN_FLIGHT]?: Map<string, Promise<unknown>> })[IN_FLIGHT] ??= new Map())
}

/** The longest an answer's delivery keeps the refresh joinable (a response that never reports `close`). */
export const ANSWER_HOLD_MAX_MS = 10_000

/** With httpOnly refresh cookies: how long after its answer a spent pair still gets its successor. */
export const HTTPONLY_REPLAY_GRACE_MS = 10_000

/**
 * How long a successor whose answer never reached the browser stays joinable. The browser retries a refresh that
 * failed without a verdict after 1, 2, 4 … s (core/backoff.ts), or once its network is back: a minute covers a
 * short outage too. Only a request with the very pair that browser holds can join.
 */
export const UNDELIVERED_HOLD_MS = 60_000

// The refresh token alone: in a burst whose access cookie ran out (its Max-Age) some requests carry it and some do
// not, and both kinds spend the same refresh token.
const refreshKey = (refreshToken: string) => sha256Hex(refreshToken)

export interface ServerRefreshOptions {
  /**
   * Resolves once the answer carrying the successor has left this server or can no longer leave (the response's
   * `close`): true when it was delivered, false when the connection closed before it was.
   */
  answered?: () => Promise<boolean>
  /**
   * How long after its answer a spent pair still gets its successor (httpOnly refresh cookies).
   * @default 0
   */
  graceMs?: number
  /**
   * Given where a sign-out or a sign-in can end this refresh (endServerRefresh, supersedeServerRefresh: the relay's
   * routes, which exist with httpOnly cookies only): called when one did, before this request's refusal is thrown
   * (the request then sets no cookie). Asking costs two reads of `auth.sharedState` per request, so it is asked
   * only here.
   */
  onEnded?: () => void
  /**
   * The access token the request holds. A refresh whose answer was that very token is over for this request, which
   * refreshes anew: a backend that does not rotate refresh tokens keeps the same one, and a request a refresh's
   * answer already reached is no replay of the spent pair.
   */
  presentedToken?: string | null
  /**
   * The request this refresh answers (its H3 event). A sign-out or sign-in that this same request makes later (an
   * app's middleware refreshed first) waits for none of its own answers: its cookies replace those on it.
   */
  owner?: object
}

export async function dedupeServerRefresh<T extends TokenResult>(refreshToken: string, refresh: () => Promise<T>, { answered, graceMs = 0, onEnded, presentedToken, owner }: ServerRefreshOptions = {}): Promise<T> {
  const key = await refreshKey(refreshToken)
  let promise = inFlight.get(key) as Promise<T> | undefined
  if (promise && presentedToken && refreshes.get(promise)?.answer?.token === presentedToken) promise = undefined
  if (!promise) {
    const shared = sharedState()
    // Asked once, by this process and by the shared state's record alike.
    let delivery: Promise<boolean> | undefined
    const delivered = answered ? () => (delivery ??= deliveredWithin(answered(), ANSWER_HOLD_MAX_MS)) : undefined
    const known: RefreshKnown = { startedAt: Date.now() }
    const started = shared ? shared.then(state => sharedRefresh(state, key, refresh, delivered, graceMs, presentedToken)) : refresh()
    inFlight.set(key, started)
    refreshes.set(started, known)
    started.then(async (answer) => {
      known.answer = answer
      const left = delivered ? await delivered() : true
      forgetAfter(key, started, left ? graceMs : Math.max(graceMs, UNDELIVERED_HOLD_MS))
    }, (error: unknown) => {
      const holdMs = rateLimitHoldMs(error)
      if (holdMs > 0) rateLimitedUntil.set(started, Date.now() + holdMs)
      forgetAfter(key, started, holdMs)
    })
    promise = started
  }
  const settled = promise
  const failure = (error: unknown) => withTimeLeft(error, rateLimitedUntil.get(settled))
  if (!onEnded) return await settled.catch((error: unknown) => Promise.reject(failure(error)))
  let result: T
  try {
    result = await settled
  }
  catch (error) {
    // A refresh that failed is ended too: its verdict's cookie deletions would remove a new sign-in's cookies.
    await throwIfEnded([key], settled, onEnded)
    throw failure(error)
  }
  // Checked by each request once its answer is in, the last moment before it sets the successor's cookies: a
  // sign-out or sign-in with the spent pair (sent while this refresh was on its way) or with the successor (sent
  // after another request delivered it, while this one still waited in the browser's queue) ends both.
  const keys = [key, await refreshKey(result.refreshToken || refreshToken)]
  // Until this answer has left, a sign-out or sign-in with either pair waits for it (see markEnded): counted from
  // before the check, so that one marking while the check reads is waited for too.
  const leaves = answered ? trackLeaving(keys, deliveredWithin(answered(), ANSWER_HOLD_MAX_MS), owner) : undefined
  try {
    await throwIfEnded(keys, settled, onEnded)
  }
  catch (error) {
    leaves?.()
    throw error
  }
  return result
}

/**
 * Ends this request's part in `refresh` when a sign-out or sign-in marked one of `keys` after the refresh started
 * (one before it ended an earlier refresh: a backend that hands out the same refresh token again may sign the user in
 * with it once more). `onEnded` first, so the request sets nothing; then its refusal.
 */
async function throwIfEnded(keys: string[], refresh: Promise<unknown>, onEnded: () => void): Promise<void> {
  const since = refreshes.get(refresh)?.startedAt ?? 0
  const ended = await Promise.all(keys.map(key => refreshEnded(key, since)))
  const by = ended.find(mark => mark !== null)
  if (!by) return
  onEnded()
  // Signed out: a verdict, as that browser is. Signed in again: none, the browser holds another user's tokens now,
  // which the request's next try presents.
  if (by === 'sign-in') throw new AuthError('SUPERSEDED', 'A sign-in replaced the tokens while this refresh was on its way', { status: 409 })
  throw new AuthError('REFRESH_REFUSED', 'The session was signed out while this refresh was on its way', { status: 401 })
}

/**
 * Per refresh token (its hash, the spent one's and the successor's): the answers that passed the check above and
 * carry the successor's cookies, until they have left this server. A sign-out or sign-in marking after that check
 * waits for them, so its own answer, with its cookies, reaches the browser last.
 */
const LEAVING = Symbol.for('nuxt-gatekeeper:refresh-leaving')
/** Per key, each answer on its way and the request it answers (its owner, when known). */
type Leaving = Map<string, Map<Promise<unknown>, object | undefined>>
const leaving: Leaving = /* @__PURE__ */ processLeaving()

function processLeaving(): Leaving {
  return ((globalThis as { [LEAVING]?: Leaving })[LEAVING] ??= new Map())
}

/** Counts `delivery` under each key until it settles; returns the function that stops counting it sooner. */
function trackLeaving(keys: string[], delivery: Promise<unknown>, owner: object | undefined): () => void {
  const stop = () => {
    for (const key of keys) {
      const pending = leaving.get(key)
      pending?.delete(delivery)
      if (pending?.size === 0) leaving.delete(key)
    }
  }
  for (const key of keys) {
    const pending = leaving.get(key) ?? new Map()
    pending.set(delivery, owner)
    leaving.set(key, pending)
  }
  void delivery.then(stop, stop)
  return stop
}

/** Until when a rate-limited refresh answers its refusal (see the top of this file). */
const rateLimitedUntil = /* @__PURE__ */ new WeakMap<Promise<unknown>, number>()
/** Each refresh: when it started (for the sign-out marks), and its answer once it has one. */
interface RefreshKnown { startedAt: number, answer?: TokenResult }
const refreshes = /* @__PURE__ */ new WeakMap<Promise<unknown>, RefreshKnown>()

/** How long a refresh's refusal holds: a 429's Retry-After, at most RETRY_AFTER_MAX_MS; 0 for anything else. */
export function rateLimitHoldMs(error: unknown): number {
  return isAuthError(error) && error.code === 'RATE_LIMITED' && error.retryAfterMs ? Math.min(error.retryAfterMs, RETRY_AFTER_MAX_MS) : 0
}

/** The refusal as a request now should see it: the wait left, not the one the backend said when it answered. */
export function withTimeLeft(error: unknown, until: number | undefined): unknown {
  if (until === undefined || !isAuthError(error)) return error
  return new AuthError(error.code, error.message, { status: error.status, data: error.data, retryAfterMs: Math.max(0, until - Date.now()), cause: error.cause })
}

/** What ended a refresh token's refresh: a sign-out, or a sign-in (as anybody) with those tokens. */
type EndedBy = 'sign-out' | 'sign-in'
interface EndedMark { at: number, until: number, by: EndedBy }

/**
 * Refresh tokens a sign-out or sign-in ended (when, by which, and until when it matters), until their refresh can
 * no longer be joined (see endServerRefresh).
 */
const ENDED = Symbol.for('nuxt-gatekeeper:refresh-ended')
const endedRefreshes: Map<string, EndedMark> = /* @__PURE__ */ processEndedRefreshes()

function processEndedRefreshes(): Map<string, EndedMark> {
  return ((globalThis as { [ENDED]?: Map<string, EndedMark> })[ENDED] ??= new Map())
}

/** As long as a refresh of the pair can be in flight or joined: its request, the answer's delivery, the grace or the undelivered hold. */
const ENDED_FOR_MS = 2 * ANSWER_HOLD_MAX_MS + Math.max(HTTPONLY_REPLAY_GRACE_MS, UNDELIVERED_HOLD_MS)

/** What ended this refresh token's refresh at `since` or later, if anything did. */
async function refreshEnded(key: string, since: number): Promise<EndedBy | null> {
  const mark = endedRefreshes.get(key)
  if (mark !== undefined) {
    if (mark.until <= Date.now()) endedRefreshes.delete(key)
    else if (mark.at >= since) return mark.by
  }
  const shared = sharedState()
  if (!shared) return null
  // A storage that cannot be read leaves the refresh as it was before sign-outs were checked (markEnded warned).
  const found = await shared.then(state => readSealed<{ ended: true, at?: number, by?: EndedBy }>(state, `e:${key}`)).catch(() => null)
  return found !== null && (found.at ?? Infinity) >= since ? found.by ?? 'sign-out' : null
}

/**
 * Records, here and in `auth.sharedState`, that `by` ended the refresh of this refresh token's pair now. Resolves
 * once the answers of this process that passed the check before (see leaving) have left, but those of `owner`, the
 * request that marks: its own answer carries its cookies.
 */
async function markEnded(key: string, by: EndedBy, owner?: object): Promise<SharedState | undefined> {
  const now = Date.now()
  // Every mark lasts as long, so the map in insertion order is in order of expiry: the sweep stops at a live one.
  for (const [ended, mark] of endedRefreshes) {
    if (mark.until > now) break
    endedRefreshes.delete(ended)
  }
  endedRefreshes.delete(key)
  endedRefreshes.set(key, { at: now, until: now + ENDED_FOR_MS, by })
  const left = Promise.all([...leaving.get(key) ?? []].filter(([, answers]) => owner === undefined || answers !== owner).map(([delivery]) => delivery))
  const state = await sharedState()?.catch(() => undefined)
  if (state) {
    await writeSealed(state, `e:${key}`, { ended: true, at: now, by }, ENDED_FOR_MS / 1000).catch((error: unknown) => {
      console.warn(`[nuxt-gatekeeper] The shared state storage "${state.name}" failed to record a ${by}: a refresh of the previous tokens on another instance may set them again (${(error as Error)?.message ?? error})`)
    })
  }
  await left
  return state
}

/**
 * For a sign-in that succeeded (the relay's sign-in route): ends the refresh of the tokens the browser held before
 * (the same user's or another's) that another request may have in flight, here or on another instance. That
 * refresh sets no cookies once its answer is in (its requests get SUPERSEDED, no verdict), so it cannot put the
 * previous tokens back over the new ones. The backend is not told: the previous tokens are no longer the browser's.
 */
export async function supersedeServerRefresh(refreshToken: string, owner?: object): Promise<void> {
  await markEnded(await refreshKey(refreshToken), 'sign-in', owner)
}

/**
 * For a sign-out (the relay's sign-out route): ends the refresh of this pair that another request (another tab,
 * a server render) may have in flight on this server or, with `auth.sharedState`, on another instance. That
 * refresh sets no cookies once its answer is in (its requests get REFRESH_REFUSED). Returns the successor it got
 * from the backend, if any, so that the sign-out ends that one at the backend too: it is what the browser holds
 * if that refresh's answer had already left.
 */
export async function endServerRefresh<T>(refreshToken: string, owner?: object): Promise<T | null> {
  const key = await refreshKey(refreshToken)
  const local = inFlight.get(key) as Promise<T> | undefined
  const state = await markEnded(key, 'sign-out', owner)
  if (local) return await local.catch(() => null)
  if (!state) return null
  // Another instance's refresh: its outcome, once it is recorded, for the successor to end. Waited for as long as a
  // live refresh takes (half the lock's time: the request timeout and 2.5 s), not for a marker a dead holder left:
  // the mark above refuses that refresh's commit anyway.
  const deadline = Date.now() + state.lockTtlMs / 2
  for (;;) {
    const found = await readOutcome<T>(state, key).catch(() => null)
    if (found === null) return null
    if (found !== 'spending') return 'result' in found ? found.result : null
    if (Date.now() > deadline) return null
    await sleep(15 + Math.random() * 15)
  }
}

/**
 * Ends the refresh's joinable time `graceMs` from now. A function of its own so that the grace timer keeps the
 * key and the answer alive and nothing more: a closure holds every variable its function's closures use, and
 * in dedupeServerRefresh those include the refresh and the answer's wait, with the whole request behind them
 * (75 kB for each server refresh in the bench, held for the grace).
 */
function forgetAfter(key: string, promise: Promise<unknown>, graceMs: number) {
  const drop = () => {
    if (inFlight.get(key) === promise) inFlight.delete(key)
  }
  if (graceMs <= 0) return drop()
  const grace = setTimeout(drop, graceMs)
  ;(grace as { unref?: () => void }).unref?.()
}

/**
 * Whether the answer was delivered, as `answered` tells within `ms`; a response that does not report its `close`
 * by then counts as delivered (joinable no longer than before). The timer is cleared once it is known, not left to
 * hold the waiter.
 */
function deliveredWithin(answered: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  return new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), ms)
    ;(timer as { unref?: () => void }).unref?.()
    answered.then(delivered => resolve(delivered), () => resolve(true))
  }).finally(() => clearTimeout(timer))
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/** What the instance that refreshed leaves for the others: its answer, or its error (they must not spend the pair again). */
type Outcome<T> = { result: T } | { error: { code: string, message: string, status?: number, retryAfterUntil?: number } } | { spending: true }

/** What another instance recorded for the pair: `spending` while it refreshes, then its answer or its error; null when nothing. */
async function readOutcome<T>(state: SharedState, key: string): Promise<Outcome<T> | 'spending' | null> {
  const found = await readSealed<Outcome<T>>(state, `r:${key}`)
  return found && 'spending' in found ? 'spending' : found
}

/**
 * The refresh across server instances: one holds the pair's lock in the shared storage and spends the refresh
 * token; the others wait and take its outcome (sealed, like everything stored), its answer or its error. The
 * answer stays readable as long as it would in one process (until the answer has left, at most
 * ANSWER_HOLD_MAX_MS, and `graceMs` more), plus a second for instances that were already waiting.
 */
async function sharedRefresh<T extends TokenResult>(state: SharedState, key: string, refresh: () => Promise<T>, delivered: (() => Promise<boolean>) | undefined, graceMs: number, presentedToken?: string | null): Promise<T> {
  const resultKey = `r:${key}`
  const deadline = Date.now() + state.lockTtlMs + 1000
  const storageFailed = (error: unknown) => new AuthError('NETWORK', `The shared state storage "${state.name}" failed during a refresh: ${(error as Error)?.message ?? error}`, { status: 503, cause: error })
  const outcome = async () => {
    const found = await readOutcome<T>(state, key).catch((error: unknown) => Promise.reject(storageFailed(error)))
    if (found !== null && found !== 'spending' && 'error' in found) {
      const { code, message, status, retryAfterUntil } = found.error
      throw new AuthError(code as never, message, { status, retryAfterMs: retryAfterUntil === undefined ? undefined : Math.max(0, retryAfterUntil - Date.now()) })
    }
    // An answer this request holds already (the refresh token did not rotate): over for it, as in one process.
    if (found !== null && found !== 'spending' && 'result' in found && presentedToken && found.result.token === presentedToken) return null
    return found as { result: T } | 'spending' | null
  }
  for (;;) {
    const done = await outcome()
    if (done && done !== 'spending') return done.result
    const release = await state.lock.acquire(`r:${key}`, { wait: false }).catch((error: unknown) => Promise.reject(storageFailed(error)))
    if (release) {
      let keepLock = false
      try {
        // The holder before this one may have finished between the read and the lock.
        const finished = await outcome()
        if (finished === 'spending') {
          // A holder spent the pair and its answer was never recorded (it died, or the storage failed): spending it
          // again would be a reuse. This request fails without a verdict; the marker expires with the lock's time.
          throw new AuthError('NETWORK', `A refresh on another server instance did not record its answer in "${state.name}"`, { status: 503 })
        }
        if (finished) return finished.result
        // Marked before the pair is spent: if the answer cannot be recorded, nobody spends it again.
        await writeSealed(state, resultKey, { spending: true }, state.lockTtlMs / 1000 + 1).catch((error: unknown) => Promise.reject(storageFailed(error)))
        let result: T
        try {
          result = await refresh()
        }
        catch (error) {
          const failure = error as AuthError
          // Others waiting on this pair take the same error rather than spending it once more.
          // A rate limit's refusal for as long as the backend asked; any other for the waiters already there.
          const holdMs = rateLimitHoldMs(failure)
          const retryAfterUntil = holdMs > 0 ? Date.now() + holdMs : undefined
          await writeSealed(state, resultKey, { error: { code: failure.code ?? 'NETWORK', message: failure.message, status: failure.status, retryAfterUntil } }, Math.max(5, holdMs / 1000)).catch(() => {
            keepLock = true
          })
          throw error
        }
        try {
          await writeSealed(state, resultKey, { result }, (ANSWER_HOLD_MAX_MS + graceMs) / 1000 + 1)
        }
        catch (error) {
          // Unrecorded, the others must not refresh with the spent pair: they wait for the lock to expire (503).
          keepLock = true
          console.warn(`[nuxt-gatekeeper] ${storageFailed(error).message}`)
        }
        // Without grace the answer is joinable only until it has left, as in one process (and a second for
        // instances already polling). One that never arrived stays for the browser's retry, as in one process.
        if (delivered) {
          void delivered().then(async (left) => {
            if (!left) return await writeSealed(state, resultKey, { result }, Math.max(graceMs, UNDELIVERED_HOLD_MS) / 1000 + 1)
            if (graceMs > 0) return
            await sleep(1000)
            await state.storage.removeItem(resultKey)
          }).catch(() => {})
        }
        return result
      }
      finally {
        if (!keepLock) await release().catch(() => {})
      }
    }
    if (Date.now() > deadline) throw new AuthError('TIMEOUT', `Another server instance held the refresh lock in "${state.name}" too long`)
    await sleep(15 + Math.random() * 15)
  }
}
