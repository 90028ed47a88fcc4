import type { AccessRequirement } from './ability'
import type { AuthStatus } from './machine'
import { AUTH_MIDDLEWARE_NAMES } from './protocol'

/**
 * `definePageMeta({ auth })`: `false` = public; `true` or an object = protected; `'guest'` or
 * `{ unauthenticatedOnly: true }` = only for signed-out users.
 */
export type AuthPageMeta = boolean | 'guest' | {
  /** Only signed-out users may see the page; signed-in users go to `navigateAuthenticatedTo`. @default false */
  unauthenticatedOnly?: boolean
  /** Where signed-in users go from a guest page. @default the module option `auth.navigateAuthenticatedTo` */
  navigateAuthenticatedTo?: string
  /** Where signed-out users go from a protected page. @default the login page */
  navigateUnauthenticatedTo?: string
  /**
   * Signed-in users need at least one of these roles (`auth.authorization.roles` reads them); others get a 403.
   * @default undefined
   */
  roles?: AccessRequirement['roles']
  /**
   * Signed-in users need this ability (asked with the route as its argument), or `[ability, ...args]`;
   * others get a 403. @default undefined
   */
  can?: AccessRequirement['can']
}

/** `routeRules: { '/api/admin/**': { auth: … } }`. */
export interface AuthRouteRule {
  /**
   * Skip the session check during SSR for these pages (the client checks after hydration).
   * @default the module option `auth.disableServerSideAuth`
   */
  disableServerSideAuth?: boolean
  /** Requests need a signed-in user with at least one of these roles: 401 signed out, 403 without. @default undefined */
  roles?: string[]
  /** Requests need a signed-in user: 401 otherwise. @default false */
  required?: boolean
}

/** The page's roles/ability requirement, or null when signing in is all it asks. */
export function pageRequirement(meta: AuthPageMeta | undefined): AccessRequirement | null {
  if (typeof meta !== 'object' || meta === null || meta.unauthenticatedOnly === true) return null
  if (meta.roles === undefined && meta.can === undefined) return null
  return { roles: meta.roles, can: meta.can }
}

export interface GuardInput {
  /** The page's `auth` meta (undefined when the page sets none). */
  meta: AuthPageMeta | undefined
  /** Whether pages without `auth` meta are protected (`globalAppMiddleware`). */
  protectByDefault: boolean
  status: AuthStatus
  /** True when a token is stored: without one, a `loading` status can only end unauthenticated. */
  hasToken: boolean
  /**
   * True when a check was made and reached no verdict (backend down, a bad answer). Waiting is for a check
   * still to come; after a failed one, protected content is not shown on a guess.
   */
  checkFailed: boolean
  isLoginPage: boolean
  /** True when no page matched the route. */
  isNotFound: boolean
  allow404WithoutAuth: boolean
}

export type GuardDecision
  = | { action: 'allow' }
  /** No verdict yet and no check made: wait for the one session check, then decide again. */
    | { action: 'wait' }
    | { action: 'login', to: string | undefined }
    | { action: 'authenticated-redirect', to: string | undefined }

/**
 * True when page meta `middleware` names the guard: such a page is protected even without `auth` meta. `taken`: names
 * the app's own middleware has (PublicAuthConfig.appMiddlewareNames), which are not the guard.
 */
export function listsAuthMiddleware(middleware: unknown, taken: readonly string[] = []): boolean {
  const list = Array.isArray(middleware) ? middleware : [middleware]
  return list.some(entry => typeof entry === 'string' && (AUTH_MIDDLEWARE_NAMES as readonly string[]).includes(entry) && !taken.includes(entry))
}

export type PageAccess = 'public' | 'protected' | 'guest'

export function pageAccess(meta: AuthPageMeta | undefined, protectByDefault: boolean): PageAccess {
  if (meta === undefined) return protectByDefault ? 'protected' : 'public'
  if (meta === false) return 'public'
  if (meta === true) return 'protected'
  if (meta === 'guest') return 'guest'
  if (typeof meta === 'object' && meta !== null) return meta.unauthenticatedOnly === true ? 'guest' : 'protected'
  return 'protected'
}

/** The decision table of the route guard, as a pure function. */
export function decideGuard(input: GuardInput): GuardDecision {
  const access = pageAccess(input.meta, input.protectByDefault)
  const meta = typeof input.meta === 'object' ? input.meta : undefined

  if (access === 'public') return { action: 'allow' }
  if (input.isNotFound && input.allow404WithoutAuth) return { action: 'allow' }

  if (access === 'guest') {
    if (input.status === 'authenticated') return { action: 'authenticated-redirect', to: meta?.navigateAuthenticatedTo }
    if (input.status === 'loading' && input.hasToken && !input.checkFailed) return { action: 'wait' }
    return { action: 'allow' }
  }

  // Protected. The login page is exempt, or a protected login page would redirect to itself forever.
  if (input.isLoginPage) return { action: 'allow' }
  if (input.status === 'authenticated') return { action: 'allow' }
  if (input.status === 'loading' && input.hasToken && !input.checkFailed) return { action: 'wait' }
  // Signed out, or no verdict could be had: the login page, the target kept. The tokens stay: a failed check
  // signs nobody out, and once the backend answers, the login page sends a signed-in user back.
  return { action: 'login', to: meta?.navigateUnauthenticatedTo }
}
