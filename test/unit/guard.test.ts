import { describe, it, expect } from 'vitest'
import { decideGuard, listsAuthMiddleware, pageAccess, type AuthPageMeta, type GuardDecision, type GuardInput } from '../../src/runtime/core/guard'
import type { AuthStatus } from '../../src/runtime/core/machine'

/**
 * The route guard's rules (docs/guide/route-guard.md), stated plainly:
 *
 * A. Which kind of page it is:
 *    - no `auth` meta: protected when `globalAppMiddleware` protects by default, else public;
 *    - `false`: public; `true`: protected; `'guest'`: guest;
 *    - an object: guest when `unauthenticatedOnly` is exactly `true`, otherwise protected
 *      (an object without `unauthenticatedOnly` protects; the incumbent made it a guest page).
 * B. A public page is always shown.
 * C. An unknown route (no page matched) is shown when `allow404WithoutAuth` is on, so Nuxt can render its 404.
 * D. A guest page: a signed-in user is sent to the page's `navigateAuthenticatedTo` (undefined = the app
 *    default); while the status is loading with a stored token and no check has failed, the guard waits
 *    for the check (the user may well be signed in); otherwise the page is shown.
 * E. A protected page: the login page itself is always shown (otherwise: a redirect loop); a signed-in user
 *    sees it; while loading with a stored token and no check has failed, the guard waits; otherwise (signed
 *    out, loading without any token, which can only end signed out, or a check that failed without a
 *    verdict: no protected content on a guess) the user goes to login, to the page's
 *    `navigateUnauthenticatedTo` when set.
 */

type Access = 'public' | 'protected' | 'guest'

function expectedAccess(meta: AuthPageMeta | undefined, protectByDefault: boolean): Access {
  if (meta === undefined) return protectByDefault ? 'protected' : 'public'
  if (meta === false) return 'public'
  if (meta === true) return 'protected'
  if (meta === 'guest') return 'guest'
  return meta.unauthenticatedOnly === true ? 'guest' : 'protected'
}

function expectedDecision(input: GuardInput): GuardDecision {
  const access = expectedAccess(input.meta, input.protectByDefault)
  const objectMeta = typeof input.meta === 'object' ? input.meta : {}
  const mayBeSignedIn = input.status === 'loading' && input.hasToken && !input.checkFailed

  if (access === 'public') return { action: 'allow' }
  if (input.isNotFound && input.allow404WithoutAuth) return { action: 'allow' }
  if (access === 'guest') {
    if (input.status === 'authenticated') return { action: 'authenticated-redirect', to: objectMeta.navigateAuthenticatedTo }
    if (mayBeSignedIn) return { action: 'wait' }
    return { action: 'allow' }
  }
  if (input.isLoginPage) return { action: 'allow' }
  if (input.status === 'authenticated') return { action: 'allow' }
  if (mayBeSignedIn) return { action: 'wait' }
  return { action: 'login', to: objectMeta.navigateUnauthenticatedTo }
}

const METAS: Array<AuthPageMeta | undefined> = [
  undefined,
  false,
  true,
  'guest',
  {},
  { unauthenticatedOnly: true },
  { unauthenticatedOnly: false },
  { navigateAuthenticatedTo: '/home' },
  { navigateUnauthenticatedTo: '/sign-in' },
  { unauthenticatedOnly: true, navigateAuthenticatedTo: '/home' },
  { unauthenticatedOnly: true, navigateUnauthenticatedTo: '/sign-in' },
  { unauthenticatedOnly: false, navigateUnauthenticatedTo: '/sign-in' },
  { navigateAuthenticatedTo: '/home', navigateUnauthenticatedTo: '/sign-in' },
]
const STATUSES: AuthStatus[] = ['loading', 'authenticated', 'unauthenticated']
const BOOLS = [false, true]

function cartesian(): GuardInput[] {
  const inputs: GuardInput[] = []
  for (const meta of METAS) {
    for (const protectByDefault of BOOLS) {
      for (const status of STATUSES) {
        for (const hasToken of BOOLS) {
          for (const isLoginPage of BOOLS) {
            for (const isNotFound of BOOLS) {
              for (const allow404WithoutAuth of BOOLS) {
                for (const checkFailed of BOOLS) inputs.push({ meta, protectByDefault, status, hasToken, checkFailed, isLoginPage, isNotFound, allow404WithoutAuth })
              }
            }
          }
        }
      }
    }
  }
  return inputs
}

describe('decideGuard: full decision table', () => {
  const inputs = cartesian()

  it('enumerates every combination', () => {
    expect(inputs.length).toBe(METAS.length * 2 * 3 * 2 * 2 * 2 * 2 * 2)
  })

  it('matches the rules for every combination', () => {
    for (const input of inputs) expect(decideGuard(input), JSON.stringify(input)).toEqual(expectedDecision(input))
  })

  it('classifies every meta kind as the rules say', () => {
    for (const meta of METAS) {
      for (const protectByDefault of BOOLS) expect(pageAccess(meta, protectByDefault), JSON.stringify({ meta, protectByDefault })).toBe(expectedAccess(meta, protectByDefault))
    }
  })

  it('never redirects anyone to login from the login page', () => {
    for (const input of inputs.filter(i => i.isLoginPage)) expect(decideGuard(input).action, JSON.stringify(input)).not.toBe('login')
  })

  it('never sends a signed-in user to login, and never lets a signed-out user past a protected page', () => {
    for (const input of inputs) {
      const decision = decideGuard(input)
      if (input.status === 'authenticated') expect(decision.action).not.toBe('login')
      const access = expectedAccess(input.meta, input.protectByDefault)
      if (input.status === 'unauthenticated' && access === 'protected' && !input.isLoginPage && !(input.isNotFound && input.allow404WithoutAuth)) {
        expect(decision).toEqual({ action: 'login', to: typeof input.meta === 'object' ? input.meta.navigateUnauthenticatedTo : undefined })
      }
    }
  })
})

describe('decideGuard: named cases', () => {
  const base: GuardInput = {
    meta: undefined,
    protectByDefault: false,
    status: 'unauthenticated',
    hasToken: false,
    checkFailed: false,
    isLoginPage: false,
    isNotFound: false,
    allow404WithoutAuth: true,
  }

  it('an object without unauthenticatedOnly protects (the incumbent made it a guest page)', () => {
    expect(pageAccess({ navigateUnauthenticatedTo: '/sign-in' }, false)).toBe('protected')
    expect(decideGuard({ ...base, meta: { navigateUnauthenticatedTo: '/sign-in' } })).toEqual({ action: 'login', to: '/sign-in' })
    expect(decideGuard({ ...base, meta: {} })).toEqual({ action: 'login', to: undefined })
  })

  it('a protected login page never redirects to login (no loop)', () => {
    expect(decideGuard({ ...base, meta: true, isLoginPage: true })).toEqual({ action: 'allow' })
    expect(decideGuard({ ...base, meta: undefined, protectByDefault: true, isLoginPage: true })).toEqual({ action: 'allow' })
  })

  it('a guest login page sends a signed-in user away', () => {
    expect(decideGuard({ ...base, meta: 'guest', isLoginPage: true, status: 'authenticated' })).toEqual({ action: 'authenticated-redirect', to: undefined })
    expect(decideGuard({ ...base, meta: { unauthenticatedOnly: true, navigateAuthenticatedTo: '/home' }, status: 'authenticated' }))
      .toEqual({ action: 'authenticated-redirect', to: '/home' })
  })

  it('waits for the in-flight check while loading with a token, and does not wait without one', () => {
    expect(decideGuard({ ...base, meta: true, status: 'loading', hasToken: true })).toEqual({ action: 'wait' })
    expect(decideGuard({ ...base, meta: true, status: 'loading', hasToken: false })).toEqual({ action: 'login', to: undefined })
    expect(decideGuard({ ...base, meta: 'guest', status: 'loading', hasToken: false })).toEqual({ action: 'allow' })
  })

  it('after a check that failed without a verdict, never shows a protected page: login, token kept; guest pages show', () => {
    expect(decideGuard({ ...base, meta: true, status: 'loading', hasToken: true, checkFailed: true })).toEqual({ action: 'login', to: undefined })
    expect(decideGuard({ ...base, meta: { navigateUnauthenticatedTo: '/sign-in' }, status: 'loading', hasToken: true, checkFailed: true })).toEqual({ action: 'login', to: '/sign-in' })
    expect(decideGuard({ ...base, meta: 'guest', status: 'loading', hasToken: true, checkFailed: true })).toEqual({ action: 'allow' })
  })

  it('lets an unknown route 404 without auth only when allowed', () => {
    expect(decideGuard({ ...base, protectByDefault: true, isNotFound: true, allow404WithoutAuth: true })).toEqual({ action: 'allow' })
    expect(decideGuard({ ...base, protectByDefault: true, isNotFound: true, allow404WithoutAuth: false })).toEqual({ action: 'login', to: undefined })
  })

  it('protects pages without meta only under the global middleware', () => {
    expect(decideGuard({ ...base, protectByDefault: false })).toEqual({ action: 'allow' })
    expect(decideGuard({ ...base, protectByDefault: true })).toEqual({ action: 'login', to: undefined })
    expect(decideGuard({ ...base, meta: false, protectByDefault: true })).toEqual({ action: 'allow' })
  })
})

describe('listsAuthMiddleware', () => {
  it.each([
    ['auth', true],
    ['sidebase-auth', true],
    [['other', 'auth'], true],
    [['sidebase-auth'], true],
    ['other', false],
    [['other'], false],
    [undefined, false],
    [() => {}, false],
    [['Auth'], false],
  ])('%j → %s', (middleware, expected) => {
    expect(listsAuthMiddleware(middleware)).toBe(expected)
  })

  it('leaves out the names the app\'s own middleware took', () => {
    expect(listsAuthMiddleware('auth', ['auth'])).toBe(false)
    expect(listsAuthMiddleware(['auth', 'sidebase-auth'], ['auth'])).toBe(true)
    expect(listsAuthMiddleware('gatekeeper-auth', ['auth'])).toBe(true)
  })
})
