import {
  AuthError,
  createBackoff,
  issuedAtObserver,
  minRefreshIntervalMs,
  refreshLeadMs,
  tokenLifetimeMs,
  tokenTiming,
  waitLeft,
  type ClientStrategy,
  type IssuerClock,
  type StrategyContext,
  type TokenResult,
} from '../core'
import { refreshOnServer } from '../shared/server-refresh'
import type { AppTokens } from './tokens'
import type { AuthState } from './state'
import { withTokenLock } from '#gatekeeper-features'
import { REFRESH_RETRY_KEY, sharedTimestamp } from './tabs/shared-clock'
import { devRefresh } from './devtools/record'

export interface RefresherDeps {
  strategy: ClientStrategy<unknown>
  context: StrategyContext<unknown>
  store: AuthState
  tokens: AppTokens
  /** The issuer's clock as this browser estimates it (expiry is written in that clock). */
  clock: IssuerClock
  skewSeconds: number
  report(error: unknown, operation: string): Promise<AuthError>
  /** SSR: resolves once this page's response has left (a refresh stays joinable until then, see refresh-dedupe). */
  answered?: () => Promise<boolean>
  /**
   * A verdict: the refresh token is dead, while `stillValid()` (the jar still holds it once the lock is taken). False
   * when declined (it no longer held).
   */
  signOut(stillValid: () => boolean): Promise<boolean>
  onRefreshed(): Promise<void>
  /** Runs `run` in the app's context: a server render's DevTools log finds its request by it (development only). */
  inAppContext(run: () => void): void
}

/**
 * - `refreshed`: this call spent the refresh token;
 * - `adopted`: another tab (or an earlier call) replaced the tokens while this one waited;
 * - `fresh`: no refresh needed (or the last one is too recent, see minRefreshIntervalMs);
 * - `skipped`: nothing to refresh with, or backing off after a failure.
 */
export type RefreshOutcome = 'refreshed' | 'adopted' | 'fresh' | 'skipped'

export interface RefreshRequest {
  /** Automatic triggers (timer, focus, the fetch helper) refresh only when needed and not too often. */
  automatic?: boolean
  /** The access token a backend just refused (401): when the store holds another one now, it is adopted. */
  rejected?: string | null
}

/**
 * One refresh at a time, per tab (single flight) and across tabs (the tab lock), with rotation, backoff and
 * server-side de-duplication. Tokens are read from the store at the moment of use and written inside the lock.
 * Only used when the provider has a refresh strategy and keeps a refresh token.
 */
export function createRefresher(deps: RefresherDeps) {
  const { tokens, clock } = deps
  const observeIssued = issuedAtObserver(clock)
  const backoff = createBackoff()
  const lastSuccess = sharedTimestamp('nuxt-gatekeeper:last-refresh')
  // Until when (local ms) automatic refreshes wait after one failed without a verdict, in every tab: each tab backing
  // off on its own would make N tabs N times the calls to a sick backend (and disregard its Retry-After).
  const retryAt = sharedTimestamp(REFRESH_RETRY_KEY)
  // The refresh token this tab's own failure was about: once the jar holds another (signed in anew), the wait is over.
  let failedWith: string | null = null
  let lastFailure: AuthError | null = null
  let inFlight: Promise<RefreshOutcome> | null = null
  // Whether that attempt is an automatic trigger's, which may decide that no refresh is due ('fresh').
  let inFlightAutomatic = false
  // Issuer time at which this app first saw each token: the lifetime of a JWT without `iat` (kept for the current token only).
  let firstSeen: { token: string, at: number } | null = null

  function plan(token: string) {
    if (firstSeen?.token !== token) firstSeen = { token, at: clock.now() }
    const timing = tokenTiming(token)
    const lifetime = tokenLifetimeMs(timing, firstSeen.at)
    // The server renders with an expired token only: an open tab refreshes ahead, so a reload rarely has to
    // spend the refresh token while that tab might be spending it too.
    const lead = import.meta.server ? 0 : refreshLeadMs(timing, deps.skewSeconds, firstSeen.at)
    return { refreshAt: timing.expiresAt === null ? null : timing.expiresAt - lead, lifetime }
  }

  /** True when a refresh token is held and the access token is missing or due (issuer's clock). */
  function needsRefresh(): boolean {
    if (!tokens.refreshToken()) return false
    const token = tokens.token()
    if (!token) return true
    const { refreshAt } = plan(token)
    return refreshAt !== null && refreshAt <= clock.now()
  }

  /** This browser refreshed so recently that another automatic refresh would be a storm (e.g. a wrong clock). */
  function tooSoon(now = Date.now()): number {
    const token = tokens.token()
    const interval = minRefreshIntervalMs(token ? plan(token).lifetime : null)
    const last = lastSuccess.get()
    // A stamp from the future: the clock was set back since (it is kept in localStorage). It says nothing now.
    return last > now ? 0 : Math.max(0, last + interval - now)
  }

  /** How long automatic refreshes still wait after a failure, this tab's or another's. */
  function backingOff(now = Date.now()): number {
    if (failedWith !== null && tokens.refreshToken() !== failedWith) {
      failedWith = null
      backoff.succeed()
      retryAt.set(0)
    }
    return Math.max(backoff.remaining(now), waitLeft(retryAt.get(), now))
  }

  /**
   * When (local ms) the next automatic refresh is due: before expiry by the lead, but not sooner than the
   * minimum interval or the backoff allow. `null`: nothing to schedule (no refresh token, unknown expiry).
   */
  function dueAt(now = Date.now()): number | null {
    if (!tokens.refreshToken()) return null
    const token = tokens.token()
    const refreshAt = token ? plan(token).refreshAt : clock.now()
    if (refreshAt === null) return null
    return Math.max(refreshAt - clock.offset(), now + tooSoon(now), now + backingOff(now))
  }

  /** What is left to do once the token lock is released. */
  type Settle = () => Promise<RefreshOutcome>
  const settled = (outcome: RefreshOutcome): Settle => async () => outcome

  /**
   * Inside the lock: spends the refresh token and stores the answer. Hooks and verdicts run afterwards
   * (see `refresh`): they run app code, which may sign in or out, and that waits for this lock.
   */
  async function spend(): Promise<Settle> {
    const refreshToken = tokens.refreshToken()
    if (!refreshToken) return settled('skipped')
    const epoch = deps.store.machine.epoch
    deps.store.dispatch({ type: 'START', activity: 'refreshing' })
    let result: TokenResult
    try {
      result = import.meta.server
        ? await refreshOnServer(deps.strategy, deps.context, tokens, deps.answered)
        : await deps.strategy.refresh!(deps.context)
    }
    catch (error) {
      return () => fail(error, refreshToken, epoch)
    }
    if (result.stored) {
      // Set by the relay route's answer (or this SSR response) already. Sign-in and sign-out wait for the
      // token lock, so only this tab can have ended the session meanwhile: then the cookies it set go too.
      if (deps.store.machine.epoch !== epoch) {
        tokens.clear()
        return settled('skipped')
      }
      tokens.sync()
    }
    else {
      // The jar changed while the answer travelled (page code's setToken or clearToken take no lock):
      // writing this answer would undo that, or bring back a session that was ended.
      if (tokens.refreshToken() !== refreshToken) {
        deps.store.dispatch({ type: 'SETTLE', epoch })
        return settled(tokens.refreshToken() ? 'adopted' : 'skipped')
      }
      // Rotation: a new refresh token replaces the spent one, always; written before the lock is released. An
      // answer the jar cannot hold (a cookie over the browser's size) is this refresh's failure: reported, backed off.
      try {
        tokens.write({ token: result.token || null, refreshToken: result.refreshToken || undefined })
      }
      catch (error) {
        return () => fail(error, refreshToken, epoch)
      }
    }
    lastSuccess.set(Date.now())
    retryAt.set(0)
    // The new token's `iat` corrects this browser's estimate of the issuer's clock (stored ones: read it back).
    const received = result.stored ? tokens.token() : result.token
    const issuedAt = received ? tokenTiming(received).issuedAt : null
    if (import.meta.client && issuedAt !== null) observeIssued(issuedAt + 500)
    backoff.succeed()
    lastFailure = null
    deps.store.dispatch({ type: 'SETTLE', epoch })
    deps.store.lastRefreshedAt = new Date()
    return async () => {
      await deps.onRefreshed()
      return 'refreshed'
    }
  }

  /** After the lock: reports the failure, and signs out when it is a verdict on the token still held. */
  async function fail(error: unknown, refreshToken: string, epoch: number): Promise<never> {
    const authError = await deps.report(error, 'refresh')
    if (authError.isVerdict && tokens.refreshToken() !== refreshToken) {
      // The refusal is about a token the jar no longer holds (signed out and in again meanwhile): no verdict
      // on the session there now.
      deps.store.dispatch({ type: 'SETTLE', epoch })
    }
    else if (authError.isVerdict) {
      backoff.succeed()
      // Declined (another tab rotated the tokens while the sign-out waited for the lock): this refresh has ended.
      if (!await deps.signOut(() => tokens.refreshToken() === refreshToken)) deps.store.dispatch({ type: 'SETTLE', epoch })
    }
    else {
      deps.store.dispatch({ type: 'FAIL', code: authError.code, epoch, about: 'session' })
      lastFailure = authError
      retryAt.set(Date.now() + backoff.fail(Date.now(), authError.retryAfterMs))
      failedWith = refreshToken
    }
    throw authError
  }

  /**
   * Refreshes (explicit `refresh()`, a 401, or an automatic trigger). Concurrent callers share one attempt;
   * other tabs wait for the lock and then find the tokens already rotated ('adopted') instead of spending
   * the old one.
   */
  function refresh({ automatic = false, rejected }: RefreshRequest = {}): Promise<RefreshOutcome> {
    if (inFlight) {
      // refresh() and a 401 always refresh: an automatic attempt that found the token fresh (or its last refresh too
      // recent) is followed by their own, once it has let go of the lock.
      if (!inFlightAutomatic || automatic) return inFlight
      // Likewise one that backed off (another tab's failure): a 401 asks for its own attempt. And one that failed
      // without a verdict: it was sent before this caller asked (the backend may be back by now), so one more try.
      return inFlight.then(
        outcome => outcome === 'fresh' || outcome === 'skipped' ? refresh({ rejected }) : outcome,
        (error: AuthError) => error.isVerdict ? Promise.reject(error) : refresh({ rejected }),
      )
    }
    const before = tokens.refreshToken()
    let decided = false
    const decide = async (): Promise<Settle> => {
      decided = true
      const current = tokens.refreshToken()
      if (!current) return settled('skipped')
      // Another tab rotated the tokens, or wrote an access token other than the refused one. An access cookie that
      // is gone (its Max-Age ended while this waited) is no newer token: the refresh token is spent.
      const token = tokens.token()
      if (current !== before || (rejected !== undefined && token !== null && token !== rejected)) {
        tokens.sync()
        return settled('adopted')
      }
      if (automatic && (!needsRefresh() || tooSoon() > 0)) return settled('fresh')
      // Another tab's attempt failed while this one waited for the lock.
      if (automatic && backingOff() > 0) return settled('skipped')
      return await spend()
    }
    const attempt = withTokenLock(decide).then(settle => settle(), async (error: unknown) => {
      // The lock itself failed (its code could not be loaded, the browser refused it): no refresh was made. Backed off
      // as after a failed one, or the expiry timer, finding the token still due, would ask again at once.
      const authError = await deps.report(decided || error instanceof AuthError ? error : new AuthError('NETWORK', 'The tab lock over the tokens could not be taken', { cause: error }), 'refresh')
      lastFailure = authError
      backoff.fail(Date.now())
      throw authError
    })
    inFlight = attempt
    inFlightAutomatic = automatic
    // The DevTools tab's refresh log (development only: dropped from production builds).
    if (import.meta.dev) deps.inAppContext(() => devRefresh(attempt, { automatic, unauthorized: rejected !== undefined }))
    const clear = () => {
      if (inFlight === attempt) inFlight = null
    }
    attempt.then(clear, clear)
    return attempt
  }

  /** Automatic triggers: refresh only when needed, not too often, and not while backing off. */
  async function refreshIfNeeded(): Promise<RefreshOutcome> {
    tokens.sync()
    if (!needsRefresh()) return 'fresh'
    if (backingOff() > 0) return 'skipped'
    return await refresh({ automatic: true })
  }

  /**
   * For a 401 elsewhere (session check, fetch helper): refresh unless backing off from a failed attempt, in
   * which case the last failure is thrown again. It is no verdict, and a sick refresh endpoint is not asked
   * again at once.
   */
  async function refreshAfterUnauthorized(rejected: string | null): Promise<RefreshOutcome> {
    if (lastFailure && backoff.remaining(Date.now()) > 0) throw lastFailure
    return await refresh({ rejected })
  }

  return { refresh, refreshIfNeeded, refreshAfterUnauthorized, needsRefresh, dueAt }
}

export type Refresher = ReturnType<typeof createRefresher>
