import type { NuxtApp, NuxtError } from '#app'
import { getRequestURL } from 'h3'
import { hasProtocol, joinURL, parseURL, withoutTrailingSlash, withQuery } from 'ufo'
import { createError, navigateTo, showError, useRouter } from '#imports'
import roles from '#gatekeeper-roles'
import { decideGuard, listsAuthMiddleware, meetsRequirement, pageAccess, pageRequirement, sanitizeRedirect, type AccessRequirement, type AuthPageMeta, type GuardDecision, type GuardInput, type SanitizedRedirect } from '../core'
import type { PublicAuthConfig } from '../core/config'
import type { AuthState } from './state'
import type { AppTokens } from './tokens'
import { devSignal } from './devtools/record'

export type RouteLike = { path: string, fullPath: string, meta: Record<string, unknown>, matched: unknown[], query?: Record<string, unknown> }

/** A guard decision: a path to go to, null to stay, or 'wait' when no verdict is held yet. */
export type GuardTarget = string | null | 'wait'

export interface NavigationDeps {
  nuxtApp: NuxtApp
  config: PublicAuthConfig
  store: AuthState
  tokens: AppTokens
  /** SSR: the request's path and query as sent (the router's `fullPath` has the query decoded). */
  requestPath?: string
}

/**
 * Every decision about where the user goes: the guard's target for a route, the login page with the wanted
 * page, and the landing page after signing in or out. Every target passes the one sanitiser here.
 */
export function createNavigation({ nuxtApp, config, store, tokens, requestPath }: NavigationDeps) {
  const router = useRouter()
  const queryKey = config.pages.redirectQueryKey || 'redirect'

  // On the server the guard middleware decides the first route; only a sign-out after it (a 401 to
  // useAuthFetch while the page renders) needs the guard again, as a redirect response.
  let routed = false
  if (import.meta.server) router.afterEach(() => {
    routed = true
  })

  // In the browser: the navigations under way, each from its start (the first global middleware,
  // middleware/navigation-start.ts, before any middleware may decide about it) until its afterEach or onError,
  // overtaken ones included: a verdict that arrives meanwhile waits until none is left, whatever order they end in.
  // One that vue-router ends before any global guard (a duplicate of the current page, one a leaving page's guard
  // refused) never started; one a middleware redirected ends where its redirect starts or ends (vue-router has no
  // afterEach for it). Nuxt's own flag (_processingMiddleware) ends with any navigation's end, an overtaken one's too.
  // (Nothing of it per server render: the server has no navigations after the first.)
  const underWay = import.meta.client ? new WeakSet<object>() : null
  let navigations = 0
  // A verdict arrived during a navigation: the guard looks again once it has landed or failed, once however many came.
  let lookAgain = false
  function navigationEnded(to: { redirectedFrom?: object }) {
    // A redirect that ends without starting (to the page the user is on) ends the navigation it replaced too.
    if (to.redirectedFrom) navigationEnded(to.redirectedFrom)
    if (!underWay?.delete(to)) return
    navigations -= 1
    if (navigations > 0 || !lookAgain) return
    lookAgain = false
    void enforceGuard()
  }
  function navigationStarted(to: { redirectedFrom?: object }) {
    if (to.redirectedFrom) navigationEnded(to.redirectedFrom)
    if (!underWay || underWay.has(to)) return
    underWay.add(to)
    navigations += 1
  }
  if (import.meta.client) {
    router.afterEach(to => navigationEnded(to))
    router.onError((_error, to) => navigationEnded(to))
  }

  /**
   * An app path as the document's path, under the app's base (app.baseURL): for what leaves the app and comes back
   * by a page load (a login page elsewhere, a backend that redirects itself). The way back is the sanitiser's, which
   * takes a full URL of the app as a document's address.
   */
  const appBase = () => nuxtApp.$config.app.baseURL || '/'
  const documentPath = (path: string) => joinURL(appBase(), path)

  // The app's own origin, so a full URL of the app is taken as its path (the incumbent's Auth.js provider writes
  // callbackUrls so): the browser's, or the request's in a render, as a proxy in front forwarded it (a forged Host
  // only turns a URL into a path; one no URL can hold gives no origin).
  let requestOrigin: string | undefined
  const ownOrigin = () => {
    if (import.meta.client) return window.location.origin
    const event = nuxtApp.ssrContext?.event
    try {
      return event && (requestOrigin ??= getRequestURL(event, { xForwardedHost: true, xForwardedProto: true }).origin)
    }
    catch {
      return undefined
    }
  }

  function sanitize(target: unknown, fallback = config.navigateAuthenticatedTo): SanitizedRedirect {
    return sanitizeRedirect(target, {
      fallback,
      origin: ownOrigin(),
      allowedOrigins: config.allowedRedirectOrigins,
      base: appBase(),
    })
  }

  /** A sanitised target, else `fallback` (an app path), else `/`; an allow-listed other origin only when the caller said `external: true`. */
  function resolveTarget(target: unknown, external: boolean, fallback = config.navigateAuthenticatedTo): { url: string, external: boolean } {
    return acceptedTarget(target, external) ?? acceptedTarget(fallback, false) ?? { url: '/', external: false }
  }

  /**
   * A caller's target, sanitised; null when there is none or the sanitiser rejects it (an allow-listed other origin
   * too, unless the caller said `external: true`): the caller then goes on as if it had given none.
   */
  function acceptedTarget(target: unknown, external: boolean): { url: string, external: boolean } | null {
    if (target === undefined) return null
    const safe = sanitize(target, '/')
    return safe.rejected || (safe.external && !external) ? null : { url: safe.url, external: safe.external }
  }

  /**
   * The page to land on after signing in: `callbackUrl`, else the login page's query parameter. A server
   * redirect cannot carry the wanted page's `#fragment` (browsers do not send it), but the browser keeps it
   * on the login page's URL (RFC 9110 §10.2.2): it goes back onto a wanted page that has none.
   * Else, as with the incumbent (and Auth.js's own client), per addDefaultCallbackUrl: its page, or the page the
   * user signs in from (a "Sign in with GitHub" button in a header). Not the login page or a guest-only one (a
   * sign-up page): a signed-in user would stay on it (a navigation to the same page runs no guard); from a
   * guest-only page, where its guard would send a signed-in user. A rejected one counts as none: the next one
   * applies, as the login page's guard does for a signed-in user (`/login?redirect=//evil.example` lands
   * where `/login` does).
   */
  function landingTarget(callbackUrl: string | undefined, external: boolean): { url: string, external: boolean } {
    const current = router.currentRoute.value
    const query = current.query[queryKey]
    const fromQuery = typeof query === 'string' ? query : undefined
    return acceptedTarget(callbackUrl, external)
      ?? acceptedTarget(fromQuery && !fromQuery.includes('#') && current.hash ? fromQuery + current.hash : fromQuery, external)
      ?? resolveTarget(defaultLanding(current), external)
  }

  function defaultLanding(current: RouteLike): string | undefined {
    const callback = config.globalAppMiddleware.addDefaultCallbackUrl
    if (typeof callback === 'string') return callback
    if (callback !== true) return undefined
    // A guest-only page sends a signed-in user where its guard would: its own navigateAuthenticatedTo, else the default.
    const meta = current.meta.auth as AuthPageMeta | undefined
    if (pageAccess(meta, false) === 'guest') return typeof meta === 'object' ? meta.navigateAuthenticatedTo : undefined
    return isLogin(current) ? undefined : current.fullPath
  }

  /** The route as the user wrote it: during SSR the router decodes the query (`%2F` → `/`), the request does not. */
  function exactFullPath(route: RouteLike): string {
    if (!import.meta.server || routed || !requestPath) return route.fullPath
    const requested = parseURL(requestPath)
    const samePage = safeDecode(requested.pathname) === safeDecode(route.path)
    return samePage ? requested.pathname + requested.search : route.fullPath
  }

  /**
   * Goes to a sanitised target (full page load for an allow-listed other origin). A push, as the incumbent
   * does: Vue Router's replace() re-encodes the query from its parsed form (`%2F` → `/`), push() keeps the
   * target as written. In the app's context: callers get here after awaiting the backend, and during SSR
   * navigateTo finds the render's app only through it. A target that is the page already on screen (a sign-out
   * whose callbackUrl is this protected page) is no navigation for Vue Router, and no middleware runs: the guard
   * then decides for this page, as after any verdict.
   */
  async function go(target: { url: string, external: boolean }) {
    const before = router.currentRoute.value
    const result = await nuxtApp.runWithContext(() => navigateTo(target.url, { external: target.external }))
    if (import.meta.client && !target.external && router.currentRoute.value === before) await enforceGuard()
    return result
  }

  function isLogin(route: RouteLike): boolean {
    return config.pages.login !== null && samePath(route.path, config.pages.login)
  }

  /** Where the guard sends `route`. */
  function guardTarget(route: RouteLike, origin: 'navigation' | 'verdict' = 'navigation'): GuardTarget {
    const input: GuardInput = {
      meta: route.meta.auth as never,
      // A page that lists the named middleware is protected even without `auth` meta, as with the incumbent.
      protectByDefault: config.globalAppMiddleware.isEnabled || listsAuthMiddleware(route.meta.middleware, config.appMiddlewareNames),
      status: store.status,
      // Without readable tokens (httpOnly, or a provider that keeps none) only the backend can tell.
      hasToken: tokens.kept && tokens.readable ? Boolean(tokens.token() || tokens.refreshToken()) : true,
      checkFailed: store.machine.checkFailed,
      isLoginPage: isLogin(route),
      isNotFound: route.matched.length === 0,
      allow404WithoutAuth: config.globalAppMiddleware.allow404WithoutAuth,
    }
    const decision = decideGuard(input)
    const target = targetOf(route, decision)
    // The DevTools tab's guard log (development only: dropped from production builds).
    if (import.meta.dev) devSignal({ type: 'guard', route: route.fullPath, input, action: decision.action, target: target === 'wait' ? null : target, global: config.globalAppMiddleware.isEnabled, origin })
    return target
  }

  function targetOf(route: RouteLike, decision: GuardDecision): GuardTarget {
    if (decision.action === 'allow') return null
    if (decision.action === 'wait') return 'wait'
    if (decision.action === 'authenticated-redirect') {
      // On the login page, the page the guard sent the user away from comes first (a check that failed, then
      // succeeded, sends a signed-in user back where they were).
      const wanted = isLogin(route) ? route.query?.[queryKey] : undefined
      const back = typeof wanted === 'string' ? sanitize(wanted, '/') : null
      // Not the login page again (`/login?redirect=/login`): a signed-in user would stay on it.
      const usable = back && !back.rejected && !back.external && !samePath(back.url, route.path)
      const target = usable ? back.url : sanitize(decision.to ?? config.navigateAuthenticatedTo, '/').url
      return target === route.path || target === route.fullPath ? null : target
    }
    return loginTarget(route, decision.to)
  }

  /**
   * The login page with `route` as the wanted page (per addDefaultCallbackUrl), or `wantedPage` when given; null
   * when already there.
   */
  function loginTarget(route: RouteLike, customLogin?: string, wantedPage?: string): string | null {
    const loginPath = customLogin ?? config.pages.login
    if (!loginPath || samePath(loginPath, route.path)) return null
    const callback = config.globalAppMiddleware.addDefaultCallbackUrl
    const wanted = wantedPage ?? (callback === true ? exactFullPath(route) : typeof callback === 'string' ? callback : undefined)
    // The backend's own login page comes from the configured baseURL, and a configured login page may be on another
    // site: trusted as configured. Anything else (page meta's navigateUnauthenticatedTo) passes the sanitiser.
    const elsewhere = isLoginElsewhere(loginPath)
    const safeLogin = elsewhere ? loginPath : sanitize(loginPath, '/').url
    if (!wanted) return safeLogin
    const back = sanitize(wanted, '/').url
    // A login page elsewhere (configured, or an allow-listed site in page meta) sends the user back by a page load:
    // to the page's document path.
    const leavesApp = elsewhere || hasProtocol(safeLogin)
    return withQuery(safeLogin, { [queryKey]: leavesApp && !hasProtocol(back) ? documentPath(back) : back })
  }

  /**
   * The configured login page where the app does not serve it: Auth.js's (under baseURL, possibly on another host), or
   * `pages.login` as an absolute URL. Reached with a full page load.
   */
  function isLoginElsewhere(target: string): boolean {
    const login = config.pages.login
    return Boolean(login && (config.pages.serverLoginPath || hasProtocol(login)) && samePath(target, login))
  }

  /**
   * For a signed-in user on a page whose meta asks `roles` or `can`: null when they meet it, else the
   * forbidden page (`auth.authorization.forbiddenPage`) or a 403 error (Nuxt's error page, status 403 in SSR).
   * Never the login page: signing in again would not help. The forbidden page itself gets the error (no loop).
   * Null at once, without a promise, for a page that asks neither (most pages: the guard runs on every render).
   */
  function accessTarget(route: RouteLike): Promise<string | NuxtError | null> | null {
    const requirement = pageRequirement(route.meta.auth as never)
    if (!requirement || store.status !== 'authenticated' || isLogin(route)) return null
    return accessVerdict(route, requirement)
  }

  async function accessVerdict(route: RouteLike, requirement: AccessRequirement): Promise<string | NuxtError | null> {
    let allowed: boolean
    try {
      allowed = await meetsRequirement(store.data, roles, requirement, [route])
    }
    catch (error) {
      // The page's ability threw (a session without the field it reads): a 500, as a throwing middleware gets from
      // Nuxt in a navigation; here also when the verdict comes after the page (the guard applied outside one).
      return createError({ statusCode: 500, statusMessage: 'Server Error', message: 'The page\'s ability (definePageMeta auth.can) threw', cause: error, fatal: import.meta.client })
    }
    if (allowed) return null
    const page = config.authorization.forbiddenPage
    const denied = page && !samePath(page, route.path)
      ? sanitize(page, '/').url
      // Fatal in the browser, where only a fatal error replaces the page; on the server any error does (and a
      // fatal one would be logged as a crash).
      : createError({ statusCode: 403, statusMessage: 'Forbidden', fatal: import.meta.client })
    // In the app's context again after the await: a server render's DevTools log finds its request by it.
    if (import.meta.dev) nuxtApp.runWithContext(() => devSignal({ type: 'access', route: route.fullPath, roles: requirement.roles, can: requirement.can !== undefined, target: typeof denied === 'string' ? denied : 403 }))
    return denied
  }

  /**
   * Goes where the guard decided; a server-rendered login page needs a full page load, and so does another origin.
   * Every guard target is the configured login page or has passed the sanitiser, so any other absolute one is on an
   * origin of `allowedRedirectOrigins` (page meta's `navigateUnauthenticatedTo: 'https://accounts.example/login'`).
   */
  function guardNavigate(target: string) {
    return navigateTo(target, { replace: true, external: isLoginElsewhere(target) || hasProtocol(target) })
  }

  /** Applies the guard to the current route (after a verdict arrives outside a navigation). */
  async function enforceGuard() {
    if (import.meta.server && !routed) return
    // A navigation under way lands where its own guard run decides (it waits for the same check); the route it leaves
    // is the wrong one to decide for, and a navigation from here would overtake it. Once it has landed or failed, the
    // guard looks again (not awaited: a middleware that signs out would wait for its own navigation). Nuxt's flag
    // covers a navigation's first moment, before the start middleware runs (Nuxt's own hook at its start).
    if (import.meta.client && (navigations > 0 || nuxtApp._processingMiddleware)) {
      lookAgain = true
      return
    }
    const route = router.currentRoute.value
    const target = guardTarget(route, 'verdict')
    // 'wait': no check made yet; the one to come applies the guard again.
    if (target && target !== 'wait') {
      await nuxtApp.runWithContext(() => guardNavigate(target))
      return
    }
    if (target !== null) return
    // Roles and abilities: a verdict that arrives after the page (SSR check skipped) is held to them too.
    await applyAccess(route)
  }

  /**
   * The page's roles and ability again, and nothing else of the guard: a check changed the session of the user
   * still signed in (a role taken away). Not during a navigation (its own guard run decides), nor over an error
   * already shown (a 403 shown again at every check).
   */
  async function enforceAccess() {
    if (navigations > 0 || nuxtApp._processingMiddleware || nuxtApp.payload.error) return
    await applyAccess(router.currentRoute.value)
  }

  async function applyAccess(route: RouteLike) {
    const denied = await accessTarget(route)
    if (typeof denied === 'string') await nuxtApp.runWithContext(() => guardNavigate(denied))
    else if (denied) await nuxtApp.runWithContext(() => showError(denied))
  }

  /**
   * `getSession({ required })` with nobody signed in: the login page, to come back to `callbackUrl` (as the
   * incumbent's Auth.js provider does, and its docs say: "force a signIn"), else (none, or a rejected one) per
   * addDefaultCallbackUrl. An allow-listed other origin is kept: signing in follows it only with `external: true`.
   */
  async function toLogin(callbackUrl?: string) {
    const target = loginTarget(router.currentRoute.value, undefined, acceptedTarget(callbackUrl, true)?.url)
    if (target) await nuxtApp.runWithContext(() => guardNavigate(target))
  }

  return { sanitize, resolveTarget, acceptedTarget, landingTarget, go, documentPath, currentPath: () => router.currentRoute.value.fullPath, guardTarget, accessTarget, loginTarget, guardNavigate, enforceGuard, enforceAccess, navigationStarted, toLogin }
}

export type Navigation = ReturnType<typeof createNavigation>

function safeDecode(path: string): string {
  try {
    return decodeURI(path)
  }
  catch {
    return path
  }
}

/** Whether two targets name the same page: query, fragment and a trailing slash aside. */
function samePath(a: string, b: string): boolean {
  const page = (target: string) => withoutTrailingSlash(target.split(/[?#]/)[0]!)
  return page(a) === page(b)
}
