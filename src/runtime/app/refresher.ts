import type { Ref } from 'vue'
import { createBackoff, isExpiring, jwtExpiry, refreshLeadMs, type AuthError, type ClientStrategy, type StrategyContext } from '../core'
import { dedupeServerRefresh } from '../shared/refresh-dedupe'
import { syncCookieRefs } from './cookies'
import type { useAuthStore } from './store'
import { withTabLock } from './tab-lock'

type CookieRef = Ref<string | null | undefined>

export interface RefresherDeps {
  strategy: ClientStrategy<unknown>
  context: StrategyContext<unknown>
  store: ReturnType<typeof useAuthStore>
  tokenCookie: CookieRef | null
  refreshCookie: CookieRef | null
  tokenCookieName: string | undefined
  refreshCookieName: string | undefined
  skewSeconds: number
  report(error: unknown, operation: string): Promise<AuthError>
  /** A verdict: the refresh token is dead. */
  signOut(): Promise<void>
  onRefreshed(): Promise<void>
}

export type RefreshOutcome = 'refreshed' | 'adopted' | 'fresh' | 'skipped'

/**
 * One refresh at a time, per tab (single flight) and across tabs (Web Locks), with rotation, backoff and
 * server-side de-duplication. Only used when the provider has a refresh strategy and a refresh-token cookie.
 */
export function createRefresher(deps: RefresherDeps) {
  const backoff = createBackoff()
  let lastFailure: AuthError | null = null
  let inFlight: Promise<RefreshOutcome> | null = null
  let retryTimer: ReturnType<typeof setTimeout> | undefined

  /** Another tab may have rotated the tokens: take the cookie jar's values over our refs' cached ones. */
  function syncFromDocument() {
    syncCookieRefs([[deps.tokenCookie, deps.tokenCookieName], [deps.refreshCookie, deps.refreshCookieName]])
  }

  /** True when a refresh token is held and the access token is missing or within the lead time of expiry. */
  function needsRefresh(now = Date.now()): boolean {
    if (!deps.refreshCookie?.value) return false
    const token = deps.tokenCookie?.value
    if (!token) return true
    return isExpiring(jwtExpiry(token), now + refreshLeadMs(token, deps.skewSeconds), 0)
  }

  async function spend(): Promise<RefreshOutcome> {
    const refreshToken = deps.refreshCookie?.value
    if (!refreshToken) return 'skipped'
    const epoch = deps.store.machine.epoch
    deps.store.dispatch({ type: 'START', activity: 'refreshing' })
    try {
      const result = import.meta.server
        ? await dedupeServerRefresh(refreshToken, deps.tokenCookie?.value ?? '', () => deps.strategy.refresh!(deps.context))
        : await deps.strategy.refresh!(deps.context)
      if (deps.tokenCookie) deps.tokenCookie.value = result.token || null
      // Rotation: the new refresh token replaces the spent one, always.
      if (result.refreshToken && deps.refreshCookie) deps.refreshCookie.value = result.refreshToken
      backoff.succeed()
      lastFailure = null
      deps.store.dispatch({ type: 'SETTLE', epoch })
      deps.store.lastRefreshedAt = new Date()
      await deps.onRefreshed()
      return 'refreshed'
    }
    catch (error) {
      const authError = await deps.report(error, 'refresh')
      if (authError.isVerdict) {
        backoff.succeed()
        await deps.signOut()
      }
      else {
        deps.store.dispatch({ type: 'FAIL', code: authError.code, epoch })
        lastFailure = authError
        const wait = backoff.fail(Date.now())
        // The next automatic attempt comes by itself, so a backend that recovers is noticed without user action.
        if (import.meta.client) {
          clearTimeout(retryTimer)
          retryTimer = setTimeout(() => void refreshIfNeeded().catch(() => {}), wait)
        }
      }
      throw authError
    }
  }

  /**
   * Refreshes now (explicit `refresh()`, or a 401). Concurrent callers share one attempt; other tabs wait
   * for the lock and then find the tokens already rotated ('adopted') instead of spending the old one.
   */
  function refresh({ onlyIfNeeded = false } = {}): Promise<RefreshOutcome> {
    if (inFlight) return inFlight
    syncFromDocument()
    const before = deps.refreshCookie?.value ?? null
    const attempt = (async () => {
      if (import.meta.server) return onlyIfNeeded && !needsRefresh() ? 'fresh' : await spend()
      return await withTabLock('nuxt-gatekeeper:refresh', async () => {
        syncFromDocument()
        const now = deps.refreshCookie?.value ?? null
        if (now && now !== before) return 'adopted'
        if (onlyIfNeeded && !needsRefresh()) return 'fresh'
        return await spend()
      })
    })()
    inFlight = attempt
    const clear = () => {
      if (inFlight === attempt) inFlight = null
    }
    attempt.then(clear, clear)
    return attempt
  }

  /** Automatic triggers (timer, focus, fetch helper, SSR): refresh only when needed and not backing off. */
  async function refreshIfNeeded(): Promise<RefreshOutcome> {
    syncFromDocument()
    if (!needsRefresh()) return 'fresh'
    if (backoff.remaining(Date.now()) > 0) return 'skipped'
    return await refresh({ onlyIfNeeded: true })
  }

  /**
   * For a 401 elsewhere (session check): refresh unless backing off from a failed attempt, in which case the
   * last failure is thrown again. It is no verdict, and a sick refresh endpoint is not asked again at once.
   */
  async function refreshAfterUnauthorized(): Promise<RefreshOutcome> {
    if (lastFailure && backoff.remaining(Date.now()) > 0) throw lastFailure
    return await refresh()
  }

  return {
    refresh,
    refreshIfNeeded,
    refreshAfterUnauthorized,
    needsRefresh,
    syncFromDocument,
    dispose: () => clearTimeout(retryTimer),
  }
}

export type Refresher = ReturnType<typeof createRefresher>
