import { watch } from 'vue'
import { createBackoff, waitLeft, type IssuerClock } from '../core'
import type { SessionRefreshRuntimeConfig } from '../core/config'
import type { Refresher } from './refresher'
import type { SessionManager } from './session'
import type { AuthState } from './state'
import type { AppTokens } from './tokens'
import { devRefreshTrigger } from './devtools/record'

// setTimeout fires at once for delays above 2^31-1 ms; longer waits are re-armed in steps.
const MAX_TIMEOUT = 2 ** 31 - 1

export interface SchedulingDeps {
  tokens: AppTokens
  refresher: Refresher | null
  session: Pick<SessionManager, 'getSession' | 'lastFailure'>
  store: AuthState
  clock: IssuerClock
  sessionRefresh: SessionRefreshRuntimeConfig
  /** Applies the guard to the current page (after a verdict that came outside a navigation). */
  enforceGuard(): Promise<void>
  /** Applies the current page's roles and ability only (after a check changed the signed-in user's session). */
  enforceAccess(): Promise<void>
  /** Loads the sign-in code, a chunk of its own. */
  loadSignIn(): Promise<unknown>
}

const quietly = (promise: Promise<unknown>) => void promise.catch(() => {})

/**
 * The browser's automatic triggers, none of which shows `loading`:
 * - before the access token expires: a refresh (refresh provider), else a session check at expiry, so an
 *   expired token does not leave the tab `authenticated` until the next navigation;
 * - back from the background: the jar is re-read (another tab may have rotated the tokens) and a due refresh
 *   made, then the optional focus check;
 * - the optional periodic check;
 * - while no verdict could be had (the first checks failed), the check again with backoff;
 * - once nobody is signed in (a sign-in form is then likely on screen), the sign-in code's chunk is loaded.
 * An app's `sessionRefresh.handler` replaces the focus and periodic checks. Returns the function that
 * releases every timer and listener.
 */
export function scheduleChecks({ tokens, refresher, session, store, clock, sessionRefresh, enforceGuard, enforceAccess, loadSignIn }: SchedulingDeps): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  // Without refresh, the check at expiry runs once per token: a failed check must not loop.
  let checkedExpiryOf: string | null = null
  // Set by the returned stop: a refresh still in flight then arms no timer when it ends.
  let stopped = false

  function dueAt(): number | null {
    if (refresher) return refresher.dueAt()
    const token = tokens.token()
    const expiresAt = token && token !== checkedExpiryOf ? tokens.expiryOf(token) : null
    return expiresAt === null ? null : expiresAt - clock.offset()
  }

  function arm() {
    clearTimeout(timer)
    if (stopped) return
    const due = dueAt()
    if (due === null) return
    timer = setTimeout(() => {
      if (Date.now() < due) arm()
      else void fire()
    }, Math.min(Math.max(0, due - Date.now()), MAX_TIMEOUT))
  }

  async function fire() {
    if (refresher) {
      if (import.meta.dev) devRefreshTrigger('timer')
      await refresher.refreshIfNeeded().catch(() => {})
    }
    else {
      checkedExpiryOf = tokens.token()
      await session.getSession().catch(() => {})
    }
    // Whatever happened (refreshed, adopted, too soon, backing off), the next due time is known now.
    arm()
  }

  // Tokens written here or, seen through cookieStore or the tab broadcast, by another tab or the server.
  const stopWatch = tokens.kept && tokens.readable ? watch([tokens.views().token, tokens.views().refreshToken], arm, { immediate: true }) : () => {}

  // No verdict because the checks failed (backend down, a bad answer): the guard keeps protected pages away
  // meanwhile, so ask again, 2 s doubling to a minute (or as long as the backend's Retry-After says), while the
  // tab is visible. Whichever check or refresh then brings the verdict, the guard acts on it (the login page
  // sends a signed-in user back to the page they wanted).
  const retry = createBackoff({ baseMs: 2000, maxMs: 60_000 })
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  // When (local ms) the next check may go: a tab brought back to the front waits for it too (a 429's Retry-After).
  let retryDue = 0
  const withoutVerdict = () => store.machine.phase === 'unknown' && store.machine.checkFailed && store.machine.activity === null
  const retryWait = () => waitLeft(retryDue, Date.now())
  async function checkAgain() {
    if (!withoutVerdict() || document.visibilityState !== 'visible') return
    // A timer that fired before its time by this clock (set back meanwhile): waits the rest.
    if (retryWait() > 0) {
      clearTimeout(retryTimer)
      retryTimer = setTimeout(() => void checkAgain(), retryWait())
      return
    }
    await session.getSession().catch(() => {})
  }
  const stopRetry = watch(withoutVerdict, (failed) => {
    clearTimeout(retryTimer)
    if (!failed) return
    const wait = retry.fail(Date.now(), session.lastFailure()?.retryAfterMs)
    retryDue = Date.now() + wait
    retryTimer = setTimeout(() => void checkAgain(), wait)
  }, { immediate: true })
  const stopVerdict = watch([() => store.machine.phase, () => store.machine.epoch], ([phase, epoch], [before, epochBefore]) => {
    if (before !== 'unknown' || phase === 'unknown' || retry.failures === 0) return
    retry.succeed()
    // A check's verdict (same epoch). A sign-in or sign-out (a new epoch) goes where its caller said, nowhere with
    // `redirect: false`; one in another tab applies the guard itself (manager.ts).
    if (epoch === epochBefore) void enforceGuard()
  })
  // A check or refresh that changed the session of the user still signed in (a role taken away since): the page's
  // roles and ability are asked again, as <AuthCan> asks again; the rest of the guard waits for the next navigation
  // (a signIn with redirect: false on a guest page stays there). A first verdict, sign-in or sign-out goes above.
  const stopSessionChange = watch([() => store.data, () => store.machine.phase, () => store.machine.epoch], ([data, phase, epoch], [before, phaseBefore, epochBefore]) => {
    if (data !== before && epoch === epochBefore && phase === 'authenticated' && phaseBefore === 'authenticated') void enforceAccess()
  })
  const stopSignInLoad = watch(() => store.machine.phase === 'unauthenticated', (signedOut) => {
    if (signedOut) quietly(loadSignIn())
  }, { immediate: true })

  const onVisible = () => {
    if (document.visibilityState !== 'visible') return
    if (withoutVerdict()) void checkAgain()
    // This tab's timers may have slept through an expiry, and another tab may have rotated the tokens.
    tokens.sync()
    if (refresher) {
      if (import.meta.dev) devRefreshTrigger('focus')
      void refresher.refreshIfNeeded().catch(() => {}).finally(arm)
    }
    if (store.machine.phase !== 'authenticated') return
    // Signed in, but the jar holds no token any more: signed out in another tab whose message never came (no
    // BroadcastChannel, a page restored from the back-forward cache) or the cookies ran out. The check concludes it.
    const jarEmptied = tokens.kept && tokens.readable && !tokens.token() && !tokens.refreshToken()
    if (jarEmptied || (!sessionRefresh.customHandler && sessionRefresh.enableOnWindowFocus)) quietly(session.getSession())
  }
  document.addEventListener('visibilitychange', onVisible)

  const every = sessionRefresh.customHandler ? false : sessionRefresh.enablePeriodically
  const interval = every
    ? setInterval(() => {
        if (store.machine.phase === 'authenticated' && document.visibilityState === 'visible') quietly(session.getSession())
      }, every)
    : undefined

  return () => {
    stopped = true
    stopWatch()
    stopRetry()
    stopVerdict()
    stopSessionChange()
    stopSignInLoad()
    clearTimeout(timer)
    clearTimeout(retryTimer)
    clearInterval(interval)
    document.removeEventListener('visibilitychange', onVisible)
  }
}
