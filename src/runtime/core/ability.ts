import { valueAt } from './pointer'

// Authorization, written once for the app and the server: an ability is a check on the session (the module
// hands it over, so nobody writes a "user resolver"), typed by the arguments it takes. No Vue, no Nitro here:
// a file in the app's `shared/` folder imports it from both sides.

const ABILITY = Symbol.for('nuxt-gatekeeper:ability')

/** A check `(session, ...args) => boolean` made with `defineAbility`; `Ability<[Post]>` takes the app's session type. */
export interface Ability<Args extends unknown[] = unknown[], TSession = import('../types').Session> {
  readonly [ABILITY]: true
  /** For messages and the guard's log. */
  readonly name: string
  readonly check: (session: TSession, ...args: Args) => boolean | Promise<boolean>
}

/**
 * An ability, for the app (`useAuth().allows`, `<AuthCan>`, page meta `auth: { can }`) and the server
 * (`authorize`, `requireServerSession(event, { can })`). It is only asked for a signed-in user: nobody
 * signed in is never allowed.
 *
 * ```ts
 * // shared/utils/abilities.ts
 * export const editPost = defineAbility((session, post: Post) => session.user.id === post.authorId)
 * ```
 */
export function defineAbility<Args extends unknown[], TSession = import('../types').Session>(
  check: (session: TSession, ...args: Args) => boolean | Promise<boolean>,
  options: { name?: string } = {},
): Ability<Args, TSession> {
  if (typeof check !== 'function') throw new TypeError('defineAbility(check): check must be a function (session, ...args) => boolean')
  return Object.freeze({ [ABILITY]: true as const, name: options.name ?? check.name ?? 'ability', check })
}

/**
 * Any ability, whatever its session type and arguments (`never`: a check's parameters are contravariant, so
 * every `Ability<[Post], MySession>` is one).
 */
export type AnyAbility = Ability<never[], never>

export function isAbility(value: unknown): value is AnyAbility {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[ABILITY] === true
}

/** What a page, a route rule or a server route requires beyond a session. */
export interface AccessRequirement {
  /** At least one of these roles (read with `auth.authorization.roles`). */
  roles?: string | readonly string[]
  /** An ability and its arguments: `[editPost, post]`, or an ability taking none. */
  can?: AnyAbility | readonly [AnyAbility, ...unknown[]]
}

/** How roles are read from a session: a JSON pointer, or a function. */
export type RolesSource = string | ((session: never) => unknown)

/** The session's roles as a list of strings: a string is one role; anything else is none. */
export function sessionRoles(session: unknown, source: RolesSource): string[] {
  if (session === null || session === undefined) return []
  const value = typeof source === 'function' ? rolesOf(session, source) : valueAt(session, source)
  if (typeof value === 'string') return [value]
  return Array.isArray(value) ? value.filter((role): role is string => typeof role === 'string') : []
}

/** An app's roles function; one that throws (a session without the field it reads) means no roles. */
function rolesOf(session: unknown, read: (session: never) => unknown): unknown {
  try {
    return read(session as never)
  }
  catch {
    return []
  }
}

/** True when `session` has at least one of `roles`. */
export function hasAnyRole(session: unknown, source: RolesSource, roles: string | readonly string[]): boolean {
  const wanted = typeof roles === 'string' ? [roles] : roles
  const held = new Set(sessionRoles(session, source))
  return wanted.some(role => held.has(role))
}

/** Runs an ability for a session; nobody signed in is never allowed. A check that throws passes its error on (no access either way). */
export async function abilityAllows<Args extends unknown[]>(session: unknown, ability: Ability<Args, never>, args: Args): Promise<boolean> {
  if (!isAbility(ability)) throw new TypeError('Not an ability: make it with defineAbility((session, ...args) => boolean)')
  if (session === null || session === undefined) return false
  return (await ability.check(session as never, ...args)) === true
}

/** Whether `session` meets `requirement` (both parts when both are given). Nobody signed in meets nothing. */
export async function meetsRequirement(session: unknown, source: RolesSource, requirement: AccessRequirement, extraArgs: unknown[] = []): Promise<boolean> {
  if (session === null || session === undefined) return false
  if (requirement.roles !== undefined && !hasAnyRole(session, source, requirement.roles)) return false
  if (requirement.can !== undefined) {
    const [ability, ...args] = Array.isArray(requirement.can) ? requirement.can : [requirement.can]
    return await abilityAllows(session, ability as Ability<unknown[], never>, args.length > 0 ? args : extraArgs)
  }
  return true
}
