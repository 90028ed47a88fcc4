import { createError, type H3Event } from 'h3'
import { getServerSession } from '#gatekeeper-server-session'
import roles from '#gatekeeper-roles'
import { abilityAllows, meetsRequirement, type Ability, type AccessRequirement } from '../core/ability'
import type { Session } from '../types'

// Authorization in Nitro, the same for every provider: the session comes from the provider's own
// getServerSession (aliased at build), the roles from `auth.authorization.roles`, the checks from core/ability.

function unauthorized() {
  return createError({ statusCode: 401, statusMessage: 'UNAUTHORIZED', data: { authError: { code: 'UNAUTHORIZED' } } })
}

function forbidden() {
  return createError({ statusCode: 403, statusMessage: 'FORBIDDEN', data: { authError: { code: 'FORBIDDEN' } } })
}

/**
 * The session, or an h3 error for an API route: 401 when nobody is signed in, 403 when signed in without one
 * of `roles` or without the ability `can` (`[ability, ...args]`). Never a redirect, never a 500 for a refusal.
 */
export async function requireServerSession(event: H3Event, requirement: AccessRequirement = {}): Promise<Session> {
  const session = await getServerSession(event) as Session | null
  if (!session) throw unauthorized()
  if (!await meetsRequirement(session, roles, requirement)) throw forbidden()
  return session
}

/** Throws 401 (nobody signed in) or 403 unless the ability allows; resolves with the session when it does. */
export async function authorize<Args extends unknown[]>(event: H3Event, ability: Ability<Args, never>, ...args: Args): Promise<Session> {
  const session = await getServerSession(event) as Session | null
  if (!session) throw unauthorized()
  if (!await abilityAllows(session, ability, args)) throw forbidden()
  return session
}

/** Whether the request's visitor may do what the ability guards (false when nobody is signed in). */
export async function allows<Args extends unknown[]>(event: H3Event, ability: Ability<Args, never>, ...args: Args): Promise<boolean> {
  return await abilityAllows(await getServerSession(event), ability, args)
}
