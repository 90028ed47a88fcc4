import type { NuxtApp } from '#app'
import { withoutTrailingSlash, withQuery } from 'ufo'
import type { Ref } from 'vue'
import { appendResponseHeader, getRequestHeader, getRequestProtocol } from 'h3'
import { navigateTo, useRequestEvent, useRouter } from '#imports'
import {
  AuthError,
  createSingleFlight,
  decideGuard,
  isAuthError,
  listsAuthMiddleware,
  sanitizeRedirect,
  type ClientStrategy,
  type SignInCall,
  type StrategyContext,
} from '../core'
import type { PublicAuthConfig } from '../core/config'
import type { GetSessionOptions, SecondarySignInOptions, Session, SignOutOptions, SignOutReason, SignUpOptions } from '../types'
import { syncCookieRefs, useTokenCookie } from './cookies'
import { endpointURL, requestEndpoint } from '../shared/request'
import { createRefresher, type Refresher } from './refresher'
import { useAuthStore } from './store'
import { cachedSession, forgetCachedSession, sessionCacheEnabled, type SessionCacheSettings } from '../shared/session-cache'

type RouteLike = { path: string, fullPath: string, meta: Record<string, unknown>, matched: unknown[] }

export interface AuthManager {
  /** The resolved public config (build-time part plus runtimeConfig.public.auth). */
  config: PublicAuthConfig
  store: ReturnType<typeof useAuthStore>
  context: StrategyContext<unknown>
  /** The token cookie, or null when the provider keeps no token (e.g. Auth.js session cookies). */
  tokenCookie: Ref<string | null | undefined> | null
  /** The refresh-token cookie (refresh provider), else null. */
  refreshCookie: Ref<string | null | undefined> | null
  /** Present when the provider can refresh. */
  refresher: Refresher | null
  /** Refreshes the tokens now (one attempt shared by all callers and tabs). Throws AuthError on failure. */
  refresh(): Promise<void>
  getSession(options?: GetSessionOptions): Promise<Session | null>
  /** getSession, and with `required: true` the login page when nobody is signed in. */
  requireSession(options?: GetSessionOptions): Promise<Session | null>
  ensureChecked(): Promise<void>
  /** Local: `(credentials, options, query, headers)`; providers may read other arguments (`readSignInArgs`). `null` when the sign-in continued on another page. */
  signIn(...args: unknown[]): Promise<Session | null>
  /** The provider's extra `useAuth()` functions, bound to this manager's context. */
  actions: Record<string, () => Promise<unknown>>
  signUp(credentials: Record<string, unknown>, signInOptions?: SecondarySignInOptions, signUpOptions?: SignUpOptions): Promise<unknown>
  signOut(options?: SignOutOptions): Promise<void>
  setToken(token: string | null | undefined): void
  setRefreshToken(token: string | null | undefined): void
  /** Removes both tokens (no backend call, no state change). */
  clearToken(): void
  /** Ends the session here (cookies, state, other tabs, guard) without calling the backend. */
  endSession(reason: SignOutReason): Promise<void>
  /** Where the guard sends `route`: a path, null to stay, or 'wait' when no verdict is held yet. */
  guardTarget(route: RouteLike): string | null | 'wait'
  /** Navigates to a guard target (full page load for a server-rendered login page). */
  guardNavigate(target: string): ReturnType<typeof navigateTo>
  enforceGuard(): Promise<void>
  dispose(): void
}

const CHANNEL = 'nuxt-gatekeeper'

type TabMessage = { type: 'signed-in' } | { type: 'signed-out' } | { type: 'refreshed' }

/**
 * Owns everything that must be right for every provider: state transitions, single-flight checks,
 * token storage, redirects and hooks. Talks to the backend only through the provider's strategy.
 * One per NuxtApp (one per tab, one per SSR request).
 */
export function createAuthManager(nuxtApp: NuxtApp, config: PublicAuthConfig, strategy: ClientStrategy<unknown>, sessionCache?: SessionCacheSettings): AuthManager {
  const store: AuthManager['store'] = useAuthStore(nuxtApp.$pinia as never)
  // An httpOnly token is invisible to page scripts: the browser goes through the module's server routes
  // (`strategy` is then the relay, see the #auth-provider template), while SSR, which sees the cookie, uses
  // the provider's strategy directly.
  const relayed = import.meta.client && Boolean(config.token?.cookie.httpOnly)
  const tokenCookie = config.token && !relayed ? useTokenCookie(config.token.cookie) : null
  const refreshCookie = config.refreshToken && !relayed ? useTokenCookie(config.refreshToken.cookie) : null
  const flights = createSingleFlight()
  const router = useRouter()
  const requestEvent = import.meta.server ? useRequestEvent() : undefined

  const context: StrategyContext<unknown> = {
    options: config.provider,
    token: () => tokenCookie?.value ?? null,
    refreshToken: () => refreshCookie?.value ?? null,
    error: (code, message, extra) => new AuthError(code, message, extra),
    url: path => endpointURL(config.baseURL, path),
    request: (endpoint, name, init) => requestEndpoint({
      // Relay routes live on this app, whatever the backend's baseURL.
      baseURL: relayed ? '/' : config.baseURL,
      timeout: config.requestTimeout,
      tokenHeader: config.token,
      storedToken: () => tokenCookie?.value ?? null,
      callHook: nuxtApp.callHook as never,
      // SSR: the visitor's cookies go to a backend that keeps its session in cookies, and what it sets back
      // goes into the page response.
      incomingHeaders: import.meta.server && requestEvent
        ? () => ({
            'cookie': requestEvent.node.req.headers.cookie,
            'host': requestEvent.node.req.headers.host,
            'x-forwarded-host': getRequestHeader(requestEvent, 'x-forwarded-host'),
            'x-forwarded-proto': getRequestProtocol(requestEvent),
          })
        : undefined,
      onSetCookie: import.meta.server && requestEvent ? cookies => cookies.forEach(cookie => appendResponseHeader(requestEvent, 'set-cookie', cookie)) : undefined,
    }, endpoint, name, init),
  }

  const channel = import.meta.client && typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel(CHANNEL) : null
  channel?.addEventListener('message', (event: MessageEvent<TabMessage>) => {
    // The other tab wrote the cookies; our refs may not have seen it yet.
    syncCookieRefs([[tokenCookie, config.token?.cookie.name], [refreshCookie, config.refreshToken?.cookie.name]])
    if (event.data?.type === 'signed-out') void applySignOut('other-tab', false)
    else if (event.data?.type === 'signed-in') void getSession({ force: true }).catch(() => {})
  })

  const refresher: Refresher | null = strategy.refresh && refreshCookie
    ? createRefresher({
        strategy,
        context,
        store,
        tokenCookie,
        refreshCookie,
        tokenCookieName: config.token?.cookie.name,
        refreshCookieName: config.refreshToken?.cookie.name,
        skewSeconds: config.sessionRefresh.skewSeconds,
        report: (error, operation) => report(error, operation),
        signOut: () => applySignOut('refresh-refused'),
        onRefreshed: async () => {
          channel?.postMessage({ type: 'refreshed' } satisfies TabMessage)
          await nuxtApp.callHook('auth:refreshed', {})
          // A refresh that succeeds after checks failed (backend was down) still owes the verdict;
          // with a session held, new tokens end the failure streak.
          if (store.machine.phase === 'authenticated') store.dispatch({ type: 'VERDICT', present: true, epoch: store.machine.epoch })
          else if (import.meta.client && store.machine.phase === 'unknown') void getSession().catch(() => {})
        },
      })
    : null

  function redirectPolicy(fallback = config.navigateAuthenticatedTo) {
    return {
      fallback,
      origin: import.meta.client ? window.location.origin : undefined,
      allowedOrigins: config.allowedRedirectOrigins,
    }
  }

  async function report(error: unknown, operation: string): Promise<AuthError> {
    const authError = isAuthError(error) ? error : new AuthError('BAD_RESPONSE', `Unexpected failure in ${operation}`, { cause: error })
    await nuxtApp.callHook('auth:error', { error: authError, operation })
    return authError
  }

  function setToken(token: string | null | undefined) {
    if (tokenCookie) tokenCookie.value = token || null
  }

  function setRefreshToken(token: string | null | undefined) {
    if (refreshCookie) refreshCookie.value = token || null
  }

  async function applySignOut(reason: SignOutReason, broadcast = true) {
    // The other tab cleared the shared cookie jar already (and may have signed in again since): leave it.
    if (reason !== 'other-tab') {
      if (import.meta.server) await forgetCachedSession(tokenCookie?.value)
      setToken(null)
      setRefreshToken(null)
    }
    store.data = null
    store.lastRefreshedAt = undefined
    store.dispatch({ type: 'SIGNED_OUT' })
    if (broadcast) channel?.postMessage({ type: 'signed-out' } satisfies TabMessage)
    await nuxtApp.callHook('auth:signedOut', { reason })
    if (reason !== 'user') await enforceGuard()
  }

  function applySession(session: Session) {
    store.data = session
    store.lastRefreshedAt = new Date()
  }

  /**
   * Asks the backend for the session (single flight: concurrent callers share one request).
   * Returns the session or null. A 401/403 signs out; a network error, timeout, 5xx or bad response keeps
   * state and tokens and throws AuthError.
   */
  function getSession({ force = true }: GetSessionOptions = {}): Promise<Session | null> {
    if (!force && store.machine.phase !== 'unknown') return Promise.resolve(store.data ?? null)
    return flights.run('session', async () => {
      const epoch = store.machine.epoch
      if (tokenCookie && !tokenCookie.value && !refreshCookie?.value) {
        await concludeSignedOut(epoch)
        return null
      }
      // An expired access token is refreshed first (once, shared), so the check does not die on a 401.
      if (refresher?.needsRefresh()) {
        await refresher.refreshIfNeeded().catch(() => {})
        if (store.machine.epoch !== epoch) return store.data ?? null
      }
      store.dispatch({ type: 'START', activity: 'checking' })
      // The answer is about this token: if a sign-in stores another one meanwhile, the answer is stale.
      let checkedToken = tokenCookie?.value ?? null
      const stale = () => store.machine.epoch !== epoch || (tokenCookie !== null && (tokenCookie.value ?? null) !== checkedToken)
      // SSR may answer from the server's short-lived session cache (see shared/session-cache.ts).
      const loadSession = async () => (import.meta.server && checkedToken && sessionCacheEnabled(sessionCache)
        ? await cachedSession(checkedToken, sessionCache, () => strategy.getSession(context))
        : await strategy.getSession(context)) as Session | null
      try {
        let session: Session | null
        try {
          session = await loadSession()
        }
        catch (error) {
          // With a refresh token, a 401 is a reason to refresh and ask once more, not yet a verdict.
          if (!(refresher && refreshCookie?.value && isAuthError(error) && error.code === 'UNAUTHORIZED') || stale()) throw error
          await refresher.refreshAfterUnauthorized()
          if (store.machine.epoch !== epoch) return store.data ?? null
          checkedToken = tokenCookie?.value ?? null
          session = await loadSession()
        }
        if (stale()) return store.data ?? null
        if (session === null) {
          await concludeSignedOut(epoch)
          return null
        }
        applySession(session)
        store.dispatch({ type: 'VERDICT', present: true, epoch })
        return session
      }
      catch (error) {
        const authError = await report(error, 'getSession')
        if (stale()) return store.data ?? null
        if (authError.isVerdict) {
          await applySignOut('session-refused')
          return null
        }
        store.dispatch({ type: 'FAIL', code: authError.code, epoch })
        throw authError
      }
    })
  }

  /** The backend (or the missing token) says nobody is signed in. A session that ends this way is a sign-out. */
  async function concludeSignedOut(epoch: number) {
    if (store.machine.phase === 'authenticated') {
      await applySignOut('session-refused')
      return
    }
    setToken(null)
    setRefreshToken(null)
    store.data = null
    store.dispatch({ type: 'VERDICT', present: false, epoch })
  }

  /** Resolves once a verdict was attempted. Never throws: the failure stays in `error`. */
  async function ensureChecked(): Promise<void> {
    if (store.machine.phase !== 'unknown') return
    await getSession({ force: false }).catch(() => {})
  }

  async function navigate(target: string | undefined, fallback: string, external: boolean) {
    const safe = sanitizeRedirect(target, redirectPolicy(fallback))
    if (safe.external && !external) return navigateTo(fallback)
    return navigateTo(safe.url, { external: safe.external, replace: true })
  }

  function redirectFromQuery(): string | undefined {
    const query = router.currentRoute.value.query
    const value = query.redirect ?? query.callbackUrl
    return typeof value === 'string' ? value : undefined
  }

  async function signIn(...args: unknown[]): Promise<Session | null> {
    const call: SignInCall = strategy.readSignInArgs?.(args) ?? {
      credentials: (args[0] ?? {}) as Record<string, unknown>,
      options: (args[1] ?? {}) as SecondarySignInOptions,
      query: args[2] as Record<string, unknown> | undefined,
      headers: args[3] as Record<string, string> | undefined,
    }
    const { credentials, options } = call
    store.dispatch({ type: 'START', activity: 'signingIn' })
    const epoch = store.machine.epoch
    let session: Session | null
    try {
      let result: Awaited<ReturnType<typeof strategy.signIn>>
      try {
        const target = sanitizeRedirect(options.callbackUrl ?? redirectFromQuery(), redirectPolicy())
        const callbackUrl = target.external && options.external !== true ? config.navigateAuthenticatedTo : target.url
        result = await strategy.signIn(context, credentials, { query: call.query, headers: call.headers, callbackUrl })
      }
      catch (error) {
        // Refused credentials are the user's mistake, not a verdict on an existing session: nobody is signed out.
        if (isAuthError(error) && error.code === 'UNAUTHORIZED') {
          throw new AuthError('INVALID_CREDENTIALS', 'Wrong credentials', { status: error.status, data: error.data, cause: error })
        }
        throw error
      }
      if (result.redirect) {
        // The sign-in goes on elsewhere (OAuth provider, server sign-in page) and comes back by a page load.
        store.dispatch({ type: 'SETTLE', epoch })
        await navigateTo(result.redirect, { external: true })
        return null
      }
      const previous = { token: context.token(), refreshToken: context.refreshToken() }
      setToken(result.token)
      setRefreshToken(result.refreshToken)
      try {
        session = result.session === undefined ? await strategy.getSession(context) as Session | null : result.session as Session | null
        if (session === null) throw new AuthError('BAD_RESPONSE', 'Signed in, but the backend returned no session for the new token')
      }
      catch (error) {
        // The new token is no good: put back whatever session the tab had before.
        setToken(previous.token)
        setRefreshToken(previous.refreshToken)
        throw error
      }
    }
    catch (error) {
      const authError = await report(error, 'signIn')
      store.dispatch({ type: 'FAIL', code: authError.code, epoch })
      throw authError
    }
    applySession(session)
    store.dispatch({ type: 'SIGNED_IN' })
    channel?.postMessage({ type: 'signed-in' } satisfies TabMessage)
    await nuxtApp.callHook('auth:signedIn', { session })
    if (options.redirect !== false) {
      await navigate(options.callbackUrl ?? redirectFromQuery(), config.navigateAuthenticatedTo, options.external === true)
    }
    return session
  }

  async function signUp(credentials: Record<string, unknown>, signInOptions: SecondarySignInOptions = {}, signUpOptions: SignUpOptions = {}) {
    if (!strategy.signUp) throw await report(new AuthError('NOT_SUPPORTED', 'This provider has no signUp'), 'signUp')
    store.dispatch({ type: 'START', activity: 'signingUp' })
    const epoch = store.machine.epoch
    let response: unknown
    try {
      response = await strategy.signUp(context, credentials)
    }
    catch (error) {
      // As with signIn: a 401/403 here refuses the credentials, it is no verdict on the current session.
      const refused = isAuthError(error) && error.code === 'UNAUTHORIZED'
        ? new AuthError('INVALID_CREDENTIALS', 'The credentials were refused', { status: error.status, data: error.data, cause: error })
        : error
      const authError = await report(refused, 'signUp')
      store.dispatch({ type: 'FAIL', code: authError.code, epoch })
      throw authError
    }
    store.dispatch({ type: 'SETTLE', epoch })
    if (signUpOptions.preventLoginFlow) return response
    await signIn(credentials, signInOptions)
    return response
  }

  async function signOut(options: SignOutOptions = {}) {
    store.dispatch({ type: 'START', activity: 'signingOut' })
    try {
      await strategy.signOut(context)
    }
    catch (error) {
      // The user asked to leave: the local session ends whatever the backend says.
      await report(error, 'signOut')
    }
    await applySignOut('user')
    if (options.redirect === false) return
    if (options.callbackUrl !== undefined) {
      await navigate(options.callbackUrl, '/', options.external === true)
      return
    }
    await enforceGuard()
  }

  // On the server the guard middleware decides the first route; only a sign-out after it (a 401 to
  // useAuthFetch while the page renders) needs the guard again, as a redirect response.
  let routed = false
  if (import.meta.server) router.afterEach(() => {
    routed = true
  })

  /** Applies the guard to the current route (after a verdict arrives outside a navigation). */
  async function enforceGuard() {
    if (import.meta.server && !routed) return
    const route = router.currentRoute.value
    const target = guardTarget(route)
    // 'wait': still no verdict (backend unreachable); a signed-in user keeps the page.
    if (target && target !== 'wait') await nuxtApp.runWithContext(() => guardNavigate(target))
  }

  /** Where the guard sends `route`, or null to stay. */
  function guardTarget(route: RouteLike): string | null | 'wait' {
    const login = config.pages.login
    const decision = decideGuard({
      meta: route.meta.auth as never,
      // A page that lists the named middleware is protected even without `auth` meta, as with the incumbent.
      protectByDefault: config.globalAppMiddleware.isEnabled || listsAuthMiddleware(route.meta.middleware),
      status: store.status,
      // Without a readable token (httpOnly, or a provider without one) only the backend can tell.
      hasToken: tokenCookie ? Boolean(tokenCookie.value || refreshCookie?.value) : true,
      isLoginPage: login !== null && withoutTrailingSlash(route.path) === withoutTrailingSlash(login),
      isNotFound: route.matched.length === 0,
      allow404WithoutAuth: config.globalAppMiddleware.allow404WithoutAuth,
    })
    if (decision.action === 'allow' || decision.action === 'wait') return decision.action === 'wait' ? 'wait' : null
    if (decision.action === 'authenticated-redirect') {
      const target = sanitizeRedirect(decision.to ?? config.navigateAuthenticatedTo, redirectPolicy('/')).url
      return target === route.path || target === route.fullPath ? null : target
    }
    return loginTarget(route, decision.to)
  }

  /** The login page with `route` as the target (per addDefaultCallbackUrl), or null when already there. */
  function loginTarget(route: RouteLike, customLogin?: string): string | null {
    const loginPath = customLogin ?? config.pages.login
    if (!loginPath || withoutTrailingSlash(loginPath) === withoutTrailingSlash(route.path)) return null
    const callback = config.globalAppMiddleware.addDefaultCallbackUrl
    const redirect = callback === true ? route.fullPath : typeof callback === 'string' ? callback : undefined
    const safeLogin = sanitizeRedirect(loginPath, redirectPolicy('/')).url
    if (!redirect) return safeLogin
    const safeRedirect = sanitizeRedirect(redirect, redirectPolicy('/'))
    return withQuery(safeLogin, { [config.pages.redirectQueryKey || 'redirect']: safeRedirect.url })
  }

  /** Goes where the guard decided; a server-rendered login page needs a full page load. */
  function guardNavigate(target: string) {
    const login = config.pages.login
    const external = Boolean(config.pages.loginIsServerRoute && login && withoutTrailingSlash(target.split('?')[0]!) === withoutTrailingSlash(login))
    return navigateTo(target, { replace: true, external })
  }

  return {
    config,
    actions: Object.fromEntries(Object.entries(strategy.actions ?? {}).map(([name, action]) => [name, () => action(context)])),
    store,
    context,
    tokenCookie,
    refreshCookie,
    refresher,
    async refresh() {
      if (!refresher) throw await report(new AuthError('NOT_SUPPORTED', 'This provider has no refresh: use the refresh provider (or local with refresh.isEnabled)'), 'refresh')
      await refresher.refresh()
    },
    getSession,
    ensureChecked,
    signIn,
    signUp,
    signOut,
    setToken,
    setRefreshToken,
    clearToken: () => {
      setToken(null)
      setRefreshToken(null)
    },
    guardTarget,
    guardNavigate,
    async requireSession(options: GetSessionOptions = {}) {
      const session = await getSession(options)
      const target = session === null ? loginTarget(router.currentRoute.value) : null
      if (target) await nuxtApp.runWithContext(() => guardNavigate(target))
      return session
    },
    enforceGuard,
    endSession: reason => applySignOut(reason),
    dispose: () => {
      channel?.close()
      refresher?.dispose()
    },
  }
}
