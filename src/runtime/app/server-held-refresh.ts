import { createSingleFlight, type AuthError, type ClientStrategy, type StrategyContext } from '../core'
import type { AuthState } from './state'
import { devRefresh } from './devtools/record'

export interface ServerHeldRefreshDeps {
  /** The manager's parts this needs (not AppParts itself: this file's types reach Nitro's and Node's type checks). */
  parts: {
    store: AuthState
    strategy: ClientStrategy<unknown>
    /** Asked for when used (the manager makes it then). */
    context(): StrategyContext<unknown>
    report(error: unknown, operation: string): Promise<AuthError>
  }
  /** After a renewal: the same follow-up as the refresher's (other tabs told, `auth:refreshed`). */
  onRefreshed: () => Promise<void>
}

/**
 * An explicit `refresh()` where the refresh token is out of the page's reach (httpOnly cookies, session mode):
 * the relay route spends it on the server, which sets the rotated cookies on its answer and shares one backend
 * refresh among this browser's concurrent requests, whichever tab sent them. Automatic renewal stays with the
 * server (its session check renews a token that is due); this is only for a caller who asks now.
 */
export function createServerHeldRefresh({ parts, onRefreshed }: ServerHeldRefreshDeps) {
  const { store, strategy, report } = parts
  const flights = createSingleFlight()

  async function spend(): Promise<string> {
    const epoch = store.machine.epoch
    store.dispatch({ type: 'START', activity: 'refreshing' })
    try {
      await strategy.refresh!(parts.context())
    }
    catch (error) {
      const authError = await report(error, 'refresh')
      // A refusal is not yet a verdict (the access token may still be good): the caller's session check gives it.
      store.dispatch(authError.isVerdict ? { type: 'SETTLE', epoch } : { type: 'FAIL', code: authError.code, epoch, about: 'session' })
      throw authError
    }
    store.dispatch({ type: 'SETTLE', epoch })
    store.lastRefreshedAt = new Date()
    await onRefreshed()
    return 'refreshed'
  }

  /**
   * Renews (one request for every concurrent caller in this tab), then `checkSession()`, whose answer it resolves
   * with. A refused refresh token: the check still runs, and gives the verdict (the access token may still be
   * accepted); then the AuthError is thrown, as it is for any other failure.
   */
  async function refresh<T>(checkSession: () => Promise<T>): Promise<T> {
    try {
      await flights.run('refresh', () => {
        const attempt = spend()
        // The DevTools tab's refresh log (development only: dropped from production builds).
        if (import.meta.dev) devRefresh(attempt, { automatic: false, unauthorized: false })
        return attempt
      })
    }
    catch (error) {
      // Superseded: a sign-in in another tab replaced the cookies while this refresh was on its way. They are new:
      // the session is the one they hold.
      if ((error as AuthError).code === 'SUPERSEDED') return await checkSession()
      if ((error as AuthError).isVerdict) await checkSession().catch(() => {})
      throw error
    }
    return await checkSession()
  }

  /**
   * Resolves once this tab's refresh in flight, if any, has landed, whatever its outcome: with httpOnly cookies no tab
   * lock orders it and a sign-out, and the relay route's answer sets the rotated cookies whenever it arrives. (Its
   * session check may still run: the sign-out's new epoch makes that answer stale.)
   */
  const settled = () => flights.current('refresh')?.then(() => {}, () => {})

  return { refresh, settled }
}
