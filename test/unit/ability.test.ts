import { describe, expect, it } from 'vitest'
import { abilityAllows, defineAbility, hasAnyRole, isAbility, meetsRequirement, pageRequirement, sessionRoles } from '../../src/runtime/core'
import { AuthConfigError, resolveModuleOptions, type ModuleOptions } from '../../src/options'

interface Post { authorId: string }
const editPost = defineAbility((session: { id: string, roles: string[] }, post: Post) => session.id === post.authorId || session.roles.includes('admin'))
const ada = { id: 'ada', roles: ['user'] }
const root = { id: 'root', roles: ['user', 'admin'] }

describe('abilities', () => {
  it('runs the check with the session and the arguments; nobody signed in is never allowed', async () => {
    expect(await abilityAllows(ada, editPost, [{ authorId: 'ada' }])).toBe(true)
    expect(await abilityAllows(ada, editPost, [{ authorId: 'bob' }])).toBe(false)
    expect(await abilityAllows(root, editPost, [{ authorId: 'bob' }])).toBe(true)
    expect(await abilityAllows(null, defineAbility(() => true), [])).toBe(false)
    expect(await abilityAllows(undefined, defineAbility(() => true), [])).toBe(false)
  })

  it('allows only on true (a truthy non-boolean from a careless check is a no), async checks awaited', async () => {
    expect(await abilityAllows(ada, defineAbility(() => 'yes' as unknown as boolean), [])).toBe(false)
    expect(await abilityAllows(ada, defineAbility(async () => true), [])).toBe(true)
  })

  it('refuses what defineAbility did not make, and a check that is not a function', async () => {
    expect(isAbility(editPost)).toBe(true)
    expect(isAbility({ check: () => true })).toBe(false)
    await expect(abilityAllows(ada, { check: () => true } as never, [])).rejects.toThrow(/defineAbility/)
    expect(() => defineAbility('admin' as never)).toThrow(TypeError)
  })

  it('passes a failing check\'s error on (no access either way)', async () => {
    await expect(abilityAllows(ada, defineAbility(() => {
      throw new Error('database down')
    }), [])).rejects.toThrow('database down')
  })
})

describe('roles', () => {
  it('reads them by pointer or function; a string is one role, anything else none', () => {
    expect(sessionRoles({ user: { roles: ['a', 'b'] } }, '/user/roles')).toEqual(['a', 'b'])
    expect(sessionRoles({ role: 'admin' }, '/role')).toEqual(['admin'])
    expect(sessionRoles({ roles: ['a', 3, null] }, '/roles')).toEqual(['a'])
    expect(sessionRoles({ roles: { admin: true } }, '/roles')).toEqual([])
    expect(sessionRoles({}, '/roles')).toEqual([])
    expect(sessionRoles(null, '/roles')).toEqual([])
    expect(sessionRoles({ groups: 'a,b' }, (session: { groups: string }) => session.groups.split(','))).toEqual(['a', 'b'])
  })

  it('any of the wanted roles is enough', () => {
    expect(hasAnyRole(root, '/roles', ['admin', 'editor'])).toBe(true)
    expect(hasAnyRole(ada, '/roles', 'admin')).toBe(false)
    expect(hasAnyRole(ada, '/roles', [])).toBe(false)
  })
})

describe('requirements (page meta, route rules, requireServerSession)', () => {
  it('needs both parts when both are given; an ability alone gets the extra arguments (the route)', async () => {
    expect(await meetsRequirement(root, '/roles', { roles: 'admin', can: [editPost, { authorId: 'x' }] })).toBe(true)
    expect(await meetsRequirement(ada, '/roles', { roles: 'user', can: [editPost, { authorId: 'x' }] })).toBe(false)
    expect(await meetsRequirement(ada, '/roles', { roles: 'admin', can: [editPost, { authorId: 'ada' }] })).toBe(false)
    expect(await meetsRequirement(ada, '/roles', { can: editPost }, [{ authorId: 'ada' }])).toBe(true)
    expect(await meetsRequirement(ada, '/roles', {})).toBe(true)
    expect(await meetsRequirement(null, '/roles', {})).toBe(false)
  })

  it('page meta asks something only as an object with roles or can, never on a guest page', () => {
    expect(pageRequirement({ roles: ['admin'] })).toEqual({ roles: ['admin'], can: undefined })
    expect(pageRequirement({ can: editPost })).toEqual({ roles: undefined, can: editPost })
    expect(pageRequirement(true)).toBeNull()
    expect(pageRequirement({ navigateUnauthenticatedTo: '/x' })).toBeNull()
    expect(pageRequirement({ unauthenticatedOnly: true, roles: ['admin'] })).toBeNull()
    expect(pageRequirement(undefined)).toBeNull()
  })
})

describe('auth.authorization options', () => {
  const resolve = (authorization: unknown) => resolveModuleOptions({ authorization } as ModuleOptions)
  const evaluate = (source: string) => new Function(`return ${source}`)() as unknown

  it('defaults to the /roles pointer and Nuxt\'s 403 page', () => {
    const resolved = resolveModuleOptions({})
    expect(evaluate(resolved.rolesSource)).toBe('/roles')
    expect(resolved.public.authorization).toEqual({ forbiddenPage: null })
  })

  it('writes a function by its source, arrow, function or method shorthand, so it runs in the app and Nitro', () => {
    const arrow = evaluate(resolve({ roles: (session: { r: string[] }) => session.r }).rolesSource) as (session: unknown) => unknown
    expect(arrow({ r: ['a'] })).toEqual(['a'])
    const method = evaluate(resolve({ roles(session: { r: string[] }) {
      return session.r
    } }).rolesSource) as (session: unknown) => unknown
    expect(method({ r: ['b'] })).toEqual(['b'])
  })

  it('fails the build naming the option for a bad pointer, a bound function, a bad forbidden page, an unknown key', () => {
    const error = (authorization: unknown) => {
      try {
        resolve(authorization)
      }
      catch (thrown) {
        expect(thrown).toBeInstanceOf(AuthConfigError)
        return (thrown as AuthConfigError).message
      }
      throw new Error('no error')
    }
    expect(error({ roles: 'roles' })).toMatch(/auth\.authorization\.roles must be a JSON pointer/)
    expect(error({ roles: ((session: unknown) => session).bind(null) })).toMatch(/auth\.authorization\.roles/)
    expect(error({ forbiddenPage: 'https://evil.example' })).toMatch(/auth\.authorization\.forbiddenPage must be an app path/)
    expect(error({ role: '/roles' })).toMatch(/auth\.authorization\.role/)
  })
})
