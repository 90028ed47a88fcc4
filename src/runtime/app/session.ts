import type { NuxtApp } from '#app'
import { AuthError, createSingleFlight, isAuthError } from '../core'
import type { GetSessionOptions, Session, SignOutReason } from '../types'
import { forgetCachedSession } from '../shared/session-cache'
import { withoutTokenValues } from '../shared/token-store'
import type { ServerSessionLookup } from '../shared/server-session'
import type { AppParts } from './parts'
import type { Refresher } from './refresher'
import { withTokenLock } from '#gatekeeper-features'
import { logAuthErrorOnce } from './dev-log'
import { forgetSharedTimestamp, REFRESH_RETRY_KEY } from './tabs/shared-clock'

export interface SessionDeps {
  /** The manager's parts; `context` is read when used (the manager makes it then). */
  parts: AppParts
  /** Present when the provider can refresh. Read lazily: the refresher is made when first asked for. */
  refresher: () => Refresher | null
  /** SSR: how the server answers for a token (local JWT verification, or the backend through its cache). */
  serverLookup?: ServerSessionLookup
  /** auth.requestTimeout: the longest a sign-in or sign-out waits for a check's answer (and a check for a sign-out). */
  requestTimeout: number
}

export interface EndSessionOptions {
  /** Tell the backend too (sign-out endpoint; the refresh token goes along so it can be revoked). @default false */
  callBackend?: boolean
  /**
   * For a verdict about tokens the jar may no longer hold: asked again once the lock is held (a sign-in may
   * have stored new tokens while this waited); false ends nothing. @default () => true
   */
  stillValid?: () => boolean
}

/**
 * The verdict about the user: asking the backend for the session (one request for every concurrent caller),
 * and ending the session, whoever ends it (the user, the backend, a refused refresh, another tab).
 */
export function createSession({ parts, refresher, serverLookup, requestTimeout }: SessionDeps) {
  const { nuxtApp, store, tokens, strategy, navigation, tabs, report } = parts
  const flights = createSingleFlight()
  // Where page scripts cannot read the session's cookies, a check's answer sets them: Auth.js renews its session
  // cookie with every answer, the server renews httpOnly tokens as it answers. Landing after a sign-out's or a
  // sign-in's answer, it would set the old session's cookies again (back at the next page load, or over a new user's).
  // So a backend sign-out and a sign-in wait for the check's request in flight (`asking`), and a check asked for
  // meanwhile waits for the sign-out (`signingOut`). Each wait lasts requestTimeout at most: app code in a request's
  // `auth:request` hook that awaited the other would otherwise wait forever.
  const answersSetCookies = !(tokens.kept && tokens.readable)
  let asking: Promise<unknown> | undefined
  let signingOut: Promise<unknown> | undefined
  const briefly = async (pending: Promise<unknown> | undefined) => {
    if (!pending) return
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([pending.catch(() => {}), new Promise(resolve => (timer = setTimeout(resolve, requestTimeout)))])
    clearTimeout(timer)
  }
  /** Resolves once the session check's request in flight (if any) has been answered: a sign-in waits for it. */
  const answersSettled = () => briefly(asking)

  function applySession(session: Session) {
    // A render's state goes into the page: without a token the backend echoed in its session.
    store.data = import.meta.server ? withoutTokenValues(session, tokens) : session
    store.lastRefreshedAt = new Date()
  }

  /**
   * The one way a session ends. Tokens are cleared (except for 'other-tab': that tab cleared the shared jar
   * already and may have signed in again since), state reset, other tabs told, hooks fired; the guard runs
   * unless the user asked (their sign-out navigates itself).
   */
  async function endSession(reason: SignOutReason, { callBackend = false, stillValid = () => true }: EndSessionOptions = {}): Promise<boolean> {
    let backendError: unknown
    let ended = false
    // Under the token lock: a refresh in flight in any tab finishes first (the browser sets its answer's
    // cookies, nothing could undo them), then the backend hears of the current refresh token and the jar is
    // cleared. Hooks run after the lock: app code in them may sign in or out again.
    const finish = async () => {
      if (!stillValid()) return
      ended = true
      if (callBackend) {
        store.dispatch({ type: 'START', activity: 'signingOut' })
        // The session ends here whatever the backend says; its failure still reaches the auth:error hook.
        await strategy.signOut(parts.context()).catch((error: unknown) => {
          backendError = error
        })
      }
      if (reason !== 'other-tab') {
        if (import.meta.server) await forgetCachedSession(tokens.token())
        tokens.clear()
      }
      store.data = null
      store.lastRefreshedAt = undefined
      store.dispatch({ type: 'SIGNED_OUT' })
      forgetSharedTimestamp(REFRESH_RETRY_KEY)
    }
    // 'other-tab' only follows what that tab did: it writes nothing.
    if (reason === 'other-tab') await finish()
    else if (!callBackend || !answersSetCookies) await withTokenLock(finish)
    else {
      const ending = signingOut = answersSettled().then(() => withTokenLock(finish))
      await ending.finally(() => {
        if (signingOut === ending) signingOut = undefined
      })
    }
    if (!ended) return false
    if (backendError !== undefined) await report(backendError, 'signOut')
    if (reason !== 'other-tab') tabs.post({ type: 'signed-out' })
    await nuxtApp.callHook('auth:signedOut', { reason })
    if (reason !== 'user') await navigation.enforceGuard()
    return true
  }

  /**
   * The backend (or the missing token) says nobody is signed in. A session that ends this way is a sign-out. False
   * when that sign-out was declined (`stillValid` no longer held once the lock was taken).
   */
  async function concludeSignedOut(epoch: number, stillValid?: () => boolean): Promise<boolean> {
    if (store.machine.phase === 'authenticated') return await endSession('session-refused', { stillValid })
    tokens.clear()
    store.data = null
    store.dispatch({ type: 'VERDICT', present: false, epoch })
    return true
  }

  /**
   * Asks the backend for the session (single flight: concurrent callers share one request).
   * Returns the session or null. A 401/403 signs out; a network error, timeout, 5xx or bad response keeps
   * state and tokens and throws AuthError.
   */
  function getSession({ force = true }: Pick<GetSessionOptions, 'force'> = {}): Promise<Session | null> {
    if (!force && store.machine.phase !== 'unknown') return Promise.resolve(store.data ?? null)
    return flights.run('session', () => signingOut ? briefly(signingOut).then(() => check(0)) : check(0))
  }

  /** Another tab may rotate or replace the token while a check asks about it: then it asks again, this many times at most. */
  const RECHECKS = 2

  async function check(round: number): Promise<Session | null> {
    const epoch = store.machine.epoch
    const renewer = refresher()
    if (tokens.kept && tokens.readable && !tokens.token() && !tokens.refreshToken()) {
      // Still without tokens once the lock is ours: another tab may have signed in while we waited for it. Then its
      // token is asked about (that tab's signed-in message may join this check rather than start another).
      await concludeSignedOut(epoch, () => !tokens.token() && !tokens.refreshToken())
      if (!tokens.token() && !tokens.refreshToken()) return null
      return store.machine.epoch === epoch && round < RECHECKS ? await check(round + 1) : store.data ?? null
    }
    // An expired access token is refreshed first (once, shared), so the check does not die on a 401.
    if (renewer?.needsRefresh()) {
      const refreshFailure = await renewer.refreshIfNeeded().then(() => null, (error: unknown) => error)
      if (store.machine.epoch !== epoch) return store.data ?? null
      // A server render whose refresh a sign-in in another tab superseded: it holds no tokens any more, and the
      // browser holds the new ones. No verdict here (the refresher reported it); the browser's check gives it.
      if (import.meta.server && isAuthError(refreshFailure) && refreshFailure.code === 'SUPERSEDED') throw failed(refreshFailure, epoch)
      // Still no access token (its cookie ran out, and the refresh failed: offline, a 5xx, backing off from one):
      // asked without one, the strategy answers "nobody" without a request, a verdict that would drop the refresh
      // token. The refresh's own failure is this check's; a refresh that can still be made now is made.
      if (!tokens.token() && tokens.refreshToken()) {
        try {
          await renewer.refreshAfterUnauthorized(null)
        }
        catch (error) {
          if (store.machine.epoch !== epoch) return store.data ?? null
          // The refresher reported its failure already.
          const authError = isAuthError(error) ? error : await report(error, 'getSession')
          throw failed(authError, epoch)
        }
        if (store.machine.epoch !== epoch) return store.data ?? null
      }
    }
    lastFailure = null
    store.dispatch({ type: 'START', activity: 'checking' })
    // The answer is about this token: if a sign-in stores another one meanwhile, the answer is stale.
    let checkedToken = tokens.token()
    const stale = () => store.machine.epoch !== epoch || (tokens.readable && tokens.token() !== checkedToken)
    // Stale only because the jar holds another token now, written by another tab (a refresh, a sign-in as someone
    // else): this tab's state still waits for a verdict, about the token held now. A sign-in or sign-out of this
    // tab (a new epoch) settles the state itself.
    const overtaken = async () => {
      if (store.machine.epoch !== epoch) return store.data ?? null
      if (round < RECHECKS) return await check(round + 1)
      // Overtaken again and again (tokens rotating under every check): this check ends without a verdict of its own.
      // A tab that holds none yet counts it as a failed check: the guard keeps protected pages closed, and the retry
      // (scheduling.ts) asks again.
      if (store.machine.phase === 'unknown') {
        const exhausted = failed(await report(new AuthError('SUPERSEDED', 'The tokens changed under every answer of this session check'), 'getSession'), epoch)
        endsCheck.add(exhausted)
        throw exhausted
      }
      store.dispatch({ type: 'SETTLE', epoch })
      return store.data ?? null
    }
    // SSR answers through the server's lookup (shared/server-session.ts): a verified JWT, or the cache.
    const loadSession = async () => {
      const answer = import.meta.server && checkedToken && serverLookup
        ? serverLookup(checkedToken, () => strategy.getSession(parts.context()))
        : strategy.getSession(parts.context())
      if (answersSetCookies) asking = answer
      return await answer as Session | null
    }
    try {
      let session: Session | null
      try {
        session = await loadSession()
      }
      catch (error) {
        // With a refresh token, a 401 is a reason to refresh and ask once more, not yet a verdict.
        if (!(renewer && tokens.refreshToken() && isAuthError(error) && error.code === 'UNAUTHORIZED') || stale()) throw error
        await renewer.refreshAfterUnauthorized(checkedToken)
        if (store.machine.epoch !== epoch) return store.data ?? null
        checkedToken = tokens.token()
        session = await loadSession()
      }
      if (stale()) return await overtaken()
      if (session === null) {
        // Declined: another tab stored other tokens while the sign-out waited for the lock. Asked about those.
        if (!await concludeSignedOut(epoch, () => !stale())) return await overtaken()
        return null
      }
      applySession(session)
      store.dispatch({ type: 'VERDICT', present: true, epoch })
      return session
    }
    catch (error) {
      // This check's own end (overtaken too often, above): reported and failed already.
      if (error instanceof AuthError && endsCheck.has(error)) throw error
      const authError = await report(error, 'getSession')
      // Superseded (httpOnly cookies): a sign-in in another tab replaced the tokens this check's request carried. The
      // browser asks again with the new ones; a server render holds none any more, and ends without a verdict.
      if (import.meta.server && authError.code === 'SUPERSEDED') throw failed(authError, epoch)
      if (stale() || authError.code === 'SUPERSEDED') return await overtaken()
      if (authError.isVerdict) {
        // Declined, as above: asked about the tokens held now.
        if (!await endSession('session-refused', { stillValid: () => !stale() })) return await overtaken()
        return null
      }
      throw failed(authError, epoch)
    }
  }

  /** Failures that end a check where they are made, to pass through the check's own catch unchanged. */
  const endsCheck = new WeakSet<AuthError>()

  /** The check's failure (no verdict), kept for the retry's wait (scheduling.ts); returned to be thrown. */
  let lastFailure: AuthError | null = null
  function failed(authError: AuthError, epoch: number): AuthError {
    lastFailure = authError
    store.dispatch({ type: 'FAIL', code: authError.code, epoch, about: 'session' })
    return authError
  }

  /**
   * SSR, before the first verdict: the verdict at once when the server already holds this token's session (its
   * cache), without the check's chain of promises; false when the check must run (no token, an expired one, a miss).
   */
  function settleFromServerCache(): boolean {
    if (!import.meta.server || !serverLookup?.peek) return false
    const token = tokens.token()
    if (!token) return false
    // A hit is never an expired token, so the refresher is not asked (nor made): the cache keeps no entry past the
    // JWT's `exp` (shared/session-cache.ts, shared/jwt-verification.ts), and the server refreshes exactly then (no
    // lead; both by the issuer's clock as the process knows it, shared/server-issuer-clock.ts).
    const hit = serverLookup.peek(token)
    if (!hit) return false
    applySession(hit.session as Session)
    store.dispatch({ type: 'VERDICT', present: true, epoch: store.machine.epoch })
    return true
  }

  /**
   * Resolves once a verdict was attempted; nothing to wait for (undefined) when one is held already or the
   * server's cache gave it at once, so a cached server render awaits no promise. Never throws: the failure
   * stays in `error`.
   */
  function ensureChecked(): Promise<void> | undefined {
    if (store.machine.phase !== 'unknown' || settleFromServerCache()) return
    return getSession({ force: false }).then(() => {}, () => {})
  }

  /** A refresh that succeeds after checks failed (backend was down) still owes the verdict. */
  function afterRefresh() {
    if (store.machine.phase === 'authenticated') store.dispatch({ type: 'VERDICT', present: true, epoch: store.machine.epoch })
    else if (import.meta.client && store.machine.phase === 'unknown') void getSession().catch(() => {})
  }

  return { getSession, ensureChecked, endSession, applySession, afterRefresh, answersSettled, lastFailure: () => lastFailure }
}

export type SessionManager = ReturnType<typeof createSession>

/**
 * Reports a failure to the `auth:error` hook and returns it as an AuthError (anything else is BAD_RESPONSE). Never
 * throws: a hook that throws is logged, and the failure is handled as without it (a check that threw here would
 * reach no verdict, and the guard would let the page through while waiting for one).
 */
export function createReporter(nuxtApp: NuxtApp) {
  return async function report(error: unknown, operation: string): Promise<AuthError> {
    const authError = isAuthError(error) ? error : new AuthError('BAD_RESPONSE', `Unexpected failure in ${operation}`, { cause: error })
    if (import.meta.dev) logAuthErrorOnce(authError, operation)
    try {
      await nuxtApp.callHook('auth:error', { error: authError, operation })
    }
    catch (hookError) {
      console.error(`[nuxt-gatekeeper] auth:error hook threw (${operation}, ${authError.code})`, hookError)
    }
    return authError
  }
}
