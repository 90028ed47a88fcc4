import type { NuxtApp } from '#app'
import { appendResponseHeader, getRequestHeader, type H3Event } from 'h3'
import { keepFromSharedCaches } from '../shared/private-answer'
import { visitorProtocol } from '../shared/server-visitor-protocol'
import { createIssuerClock, type ClientStrategy, type IssuerClock, type StrategyContext } from '../core'
import type { PublicAuthConfig } from '../core/config'
import type { GetSessionOptions, Session, SignOutOptions, SignOutResult } from '../types'
import type { ServerSessionLookup } from '../shared/server-session'
import { serverIssuerClock } from '../shared/server-issuer-clock'
import { responseSent } from '../shared/server-refresh'
import { createStrategyContext } from '../shared/strategy-context'
import { loadBackendCode } from './backend-loader'
import { createNavigation, type Navigation } from './navigation'
import { createAppTokens, createRefresher, createServerHeldRefresh } from '#gatekeeper-features'
import type { Refresher } from './refresher'
import type { AppParts } from './parts'
import { createReporter, createSession, type SessionManager } from './session'
import type { createSignIn } from './sign-in'
import { createAuthState, useAuthStateFields, type AuthState, type AuthStateFields } from './state'
import { createTabChannel, type TabMessage } from './tabs/channel'
import type { AppTokens } from './tokens'

export interface AuthManager extends Pick<SessionManager, 'getSession' | 'ensureChecked' | 'endSession' | 'lastFailure'>,
  Pick<Navigation, 'guardTarget' | 'accessTarget' | 'guardNavigate' | 'enforceGuard' | 'enforceAccess' | 'navigationStarted'>,
  SignInActions {
  /** The resolved public config (build-time part plus runtimeConfig.public.auth). */
  config: PublicAuthConfig
  /** The auth state (the payload's object; see state.ts). */
  store: AuthState
  /** The same state's plain fields, for `useAuthState().store` to wrap in Pinia. */
  stateFields: AuthStateFields
  /** The token store: the only reader and writer of the token cookies here. */
  tokens: AppTokens
  clock: IssuerClock
  /** The strategy context, made when first asked for. */
  context(): StrategyContext<unknown>
  /** Present when the provider can refresh. */
  refresher(): Refresher | null
  /** The provider's extra `useAuth()` functions, bound to this manager's context. */
  actions(): Record<string, () => Promise<unknown>>
  /**
   * Refreshes the tokens now (one attempt shared by all callers and tabs) and resolves with the session.
   * Without refresh tokens (the local provider), asks the backend for the session instead, as the incumbent
   * does. Throws AuthError on failure.
   */
  refresh(options?: GetSessionOptions): Promise<Session | null>
  /**
   * What `refresh()` would do now: this tab spends its refresh token ('tab'), the server spends the one page scripts
   * cannot read ('server': httpOnly cookies, session mode), or it asks for the session (null).
   */
  refreshRoute(): 'tab' | 'server' | null
  /** Whether the app keeps a refresh token here or on the server (the DevTools tab's header). */
  refreshes(): boolean
  /** Signs out here and at the backend (a network error there still signs out here), then goes where `options` say. */
  signOut(options?: SignOutOptions): Promise<SignOutResult>
  /** Loads the sign-in code (in the chunk of backend-calling code) ahead of a `signIn`; the browser asks once nobody is signed in (app/scheduling.ts). */
  loadSignIn(): Promise<SignInActions>
  /** `useAuth().getSession(options)`: getSession, and with `required`, when nobody is signed in, `onUnauthenticated`, `callbackUrl`, or the login page with the current page as the target. */
  askSession(options?: GetSessionOptions): Promise<Session | null>
  /** Tells the other tabs, when this page is signed in, that it loaded so (a sign-in that ended in a page load posts nothing else). */
  announceSignedInLoad(): void
  dispose(): void
}

type SignInActions = ReturnType<typeof createSignIn>

/** What a server render needs beyond the request, made once per process (the plugin loads it on the server only). */
export interface ServerParts {
  /** The session lookup with the server's cache or verifier. */
  lookup: ServerSessionLookup
  /** The header this app's renders send to its own routes (shared/server-render-mark.ts). */
  renderMark: Readonly<Record<string, string>>
}

/**
 * SSR: the visitor's headers a backend on this server needs, its Set-Cookie passed on to the page, and the render's
 * mark for requests to this app (core/protocol.ts, RENDER_HEADER).
 */
function ssrForwarding(event: H3Event | undefined, server: ServerParts | undefined) {
  if (!import.meta.server || !event) return {}
  return {
    renderMark: server?.renderMark,
    incomingHeaders: () => ({
      'cookie': event.node.req.headers.cookie,
      'host': event.node.req.headers.host,
      'x-forwarded-host': getRequestHeader(event, 'x-forwarded-host'),
      'x-forwarded-proto': visitorProtocol(event),
    }),
    // Only to a visitor whose cookies this render received. A render without them (a cached route rendered
    // for everyone, its `_payload.json` prefetched) gets fresh cookies from the backend, Auth.js's CSRF
    // token among them, which would overwrite the visitor's own (a sign-in form on screen then fails). A page that
    // carries them is the visitor's alone, also where the app called it public: Auth.js sets its session cookie again
    // on every session request, and a shared cache would hand it to the next visitor (as the token jar's writes).
    onSetCookie: (cookies: string[]) => {
      if (!event.node.req.headers.cookie || cookies.length === 0) return
      cookies.forEach(cookie => appendResponseHeader(event, 'set-cookie', cookie))
      keepFromSharedCaches(event)
    },
  }
}

/**
 * Wires the app layer for one NuxtApp (one per tab, one per SSR request). Each concern has its own owner:
 * tokens (the cookie jar), session (verdicts), sign-in (sign-in/up, loaded when needed), navigation (where to go), tabs
 * (broadcast), refresher (renewal), scheduling (the browser's timers, started by the plugin).
 */
export function createAuthManager(nuxtApp: NuxtApp, config: PublicAuthConfig, strategy: ClientStrategy<unknown>, event: H3Event | undefined, server?: ServerParts): AuthManager {
  const stateFields = useAuthStateFields(nuxtApp)
  const store = createAuthState(stateFields)
  const tokens = createAppTokens(config, event)
  // On the server the process's estimate of the issuer's clock, which the refreshes it makes keep correct.
  const clock = import.meta.server ? serverIssuerClock() : createIssuerClock()
  const report = createReporter(nuxtApp)
  // The strategy context, the refresher and the actions are made when first used: a server render whose session the
  // cache holds needs none of them, and making every part for every request was a measurable share of its cost.
  // The navigation is the guard's, which every render runs. The context's request code is a chunk of its own
  // (./backend-code.ts), loaded on first use: a page the server rendered and checked calls nothing at first.
  const context = lazy(() => createStrategyContext({
    config,
    tokens,
    callHook: nuxtApp.callHook as never,
    loadRequest: async () => (await loadBackendCode()).requestEndpoint,
    ...ssrForwarding(event, server),
  }))
  const navigation = createNavigation({ nuxtApp, config, store, tokens, requestPath: event?.path })
  const tabs = createTabChannel(config, (message: TabMessage) => {
    // The other tab wrote the jar; our views follow it.
    tokens.sync()
    // Signed out there: ended here too, unless that is old news. This tab may have signed in since (its sign-in
    // waited for the lock the sign-out held, and the message came after): the jar holds tokens again. A tab
    // signed out already has nothing to end.
    if (message.type === 'signed-out') void session.endSession('other-tab', { stillValid: () => store.machine.phase !== 'unauthenticated' && !(tokens.readable && (tokens.token() || tokens.refreshToken())) })
    // Signed in there: this tab's guard holds for the new verdict too (a login or guest-only page moves on, as after
    // a sign-in here: to its `?redirect=` target or its navigateAuthenticatedTo). A page that loaded signed in
    // concerns a signed-out tab only: a signed-in one would ask again on every page load of every other tab.
    else if (message.type === 'signed-in' || (message.type === 'loaded-signed-in' && store.machine.phase === 'unauthenticated')) void session.getSession({ force: true }).then(() => navigation.enforceGuard()).catch(() => {})
  })
  const parts: AppParts = {
    nuxtApp,
    store,
    tokens,
    strategy,
    report,
    navigation,
    tabs,
    context,
  }

  const refresher = lazy((): Refresher | null => {
    if (!createRefresher || !strategy.refresh || !config.refreshToken || !tokens.readable) return null
    return createRefresher({
      strategy,
      context: context(),
      store,
      tokens,
      clock,
      skewSeconds: config.sessionRefresh.skewSeconds,
      answered: event ? () => responseSent(event) : undefined,
      report,
      signOut: stillValid => session.endSession('refresh-refused', { stillValid }),
      onRefreshed: afterRenewal,
      inAppContext: run => void nuxtApp.runWithContext(run),
    })
  })
  // Where page scripts cannot reach the refresh token, the server spends it when `refresh()` asks.
  const serverHeldRefresh = lazy(() => createServerHeldRefresh && !tokens.readable && strategy.refresh ? createServerHeldRefresh({ parts, onRefreshed: afterRenewal }) : null)
  async function afterRenewal() {
    tabs.post({ type: 'refreshed' })
    await nuxtApp.callHook('auth:refreshed', {})
    session.afterRefresh()
  }
  const session = createSession({ parts, refresher, serverLookup: server?.lookup, requestTimeout: config.requestTimeout })
  // Sign-in and sign-up are in that chunk too: a signed-in page never needs them. They use the provider's real
  // strategy, which came with them (in the browser the manager's is a stand-in until then, ./lazy-strategy.ts).
  let signIn: SignInActions | undefined
  async function loadSignIn(): Promise<SignInActions> {
    const code = await loadBackendCode()
    return signIn ??= code.createSignIn({ ...parts, strategy: import.meta.client ? code.browserStrategy : strategy, session })
  }
  async function signingIn(operation: 'signIn' | 'signUp'): Promise<SignInActions> {
    try {
      return await loadSignIn()
    }
    catch (error) {
      throw await report(error, operation)
    }
  }
  function refreshRoute(): 'tab' | 'server' | null {
    if (refresher() && tokens.refreshToken()) return 'tab'
    return store.machine.phase === 'authenticated' && serverHeldRefresh() ? 'server' : null
  }
  const providerActions = lazy(() => Object.fromEntries(Object.entries(strategy.actions ?? {}).map(([name, action]) => [name, () => action(context())])))

  async function askSession(options: GetSessionOptions = {}): Promise<Session | null> {
    const current = await session.getSession(options)
    if (current !== null || !options.required) return current
    if (options.onUnauthenticated) return await options.onUnauthenticated() as Session | null
    await navigation.toLogin(options.callbackUrl)
    return null
  }
  return {
    config,
    store,
    stateFields,
    tokens,
    clock,
    // Methods, not getters: an object literal with a getter costs V8 several times a plain one to make (counted),
    // and this one is made for every server render.
    context,
    refresher,
    actions: providerActions,
    refreshRoute,
    refreshes: () => refresher() !== null || serverHeldRefresh() !== null,
    async refresh(options) {
      const route = refreshRoute()
      if (route === 'tab') {
        await refresher()!.refresh()
        // No verdict yet (the checks before failed): the refresh's own check (session.afterRefresh) gives it.
        return store.machine.phase === 'unknown' ? await session.getSession() : store.data ?? null
      }
      return await (route === 'server' ? serverHeldRefresh()!.refresh(() => askSession(options)) : askSession(options))
    },
    getSession: session.getSession,
    announceSignedInLoad: () => {
      if (store.machine.phase === 'authenticated') tabs.post({ type: 'loaded-signed-in' })
    },
    ensureChecked: session.ensureChecked,
    endSession: session.endSession,
    lastFailure: session.lastFailure,
    askSession,
    signIn: async (...args) => await (await signingIn('signIn')).signIn(...args),
    signUp: async (...args) => await (await signingIn('signUp')).signUp(...args),
    async signOut(options = {}) {
      // httpOnly cookies: no tab lock orders a refresh and the sign-out. A refresh in flight would set the rotated
      // cookies after the sign-out cleared them (and the backend would revoke the spent refresh token, not its
      // successor): the session would come back. Let it land first; the sign-out then ends the session it made.
      await serverHeldRefresh()?.settled()
      await session.endSession('user', { callBackend: true })
      // A rejected callbackUrl counts as none: the guard decides, as after any sign-out.
      const target = navigation.acceptedTarget(options.callbackUrl, options.external === true)
      if (options.redirect !== false) await (target ? navigation.go(target) : navigation.enforceGuard())
      return { url: target?.url ?? navigation.currentPath() }
    },
    loadSignIn,
    guardTarget: navigation.guardTarget,
    accessTarget: navigation.accessTarget,
    guardNavigate: navigation.guardNavigate,
    enforceGuard: navigation.enforceGuard,
    enforceAccess: navigation.enforceAccess,
    navigationStarted: navigation.navigationStarted,
    dispose: () => {
      tabs.close()
      tokens.dispose()
    },
  }
}

/** `make()` once, on the first call. */
function lazy<T>(make: () => T): () => T {
  let made: { value: T } | undefined
  return () => (made ??= { value: make() }).value
}
