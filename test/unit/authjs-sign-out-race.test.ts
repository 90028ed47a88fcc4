// A session check and a sign-out (or a sign-in) at the same time, against the real Auth.js (@auth/core) in process.
// Auth.js renews its session cookie with every answer to GET /session: a check answered after the sign-out's answer
// would set the cookie again, and the next page load would be signed in (as the previous user, after a switch). The
// check on window focus starts just before the click on "Sign out" that focused the window: the common case.
import type { AuthConfig } from '@auth/core'
import Credentials from '@auth/core/providers/credentials'
import { describe, expect, it, vi } from 'vitest'
import strategy from '../../providers/authjs/client'
import { authjsBrowser } from './support/authjs-browser'
import { initialMachineState, transition, type AuthError, type AuthEvent } from '../../src/runtime/core'
import { createSession } from '../../src/runtime/app/session'
import { createSignIn } from '../../src/runtime/app/sign-in'

vi.mock('../../src/runtime/app/tabs/lock', () => ({ withTokenLock: async <T>(task: () => Promise<T>) => await task() }))

// The app's session callback (a roles lookup, say) takes as long as the test says.
let slowSession: Promise<void> | null = null
const config: AuthConfig = {
  basePath: '/api/auth',
  secret: 'a-test-secret-0123456789abcdef0123456789',
  trustHost: true,
  providers: [Credentials({ credentials: { username: {}, password: {} }, authorize: async credentials => (credentials.password === 'right' ? { id: '1', name: String(credentials.username) } : null) })],
  callbacks: {
    session: async ({ session }) => {
      await slowSession
      return session
    },
  },
  logger: { error: () => {}, warn: () => {}, debug: () => {} },
}

/** A browser tab: its cookie jar takes each answer's cookies when the answer arrives; the session state as the app's. */
async function signedInTab(requestTimeout = 10_000) {
  const { ctx, cookies, sent, answered } = authjsBrowser(config)
  await strategy.signIn(ctx, { provider: 'credentials', username: 'ada', password: 'right' }, { callbackUrl: '/' })
  const store = {
    machine: { ...initialMachineState, phase: 'authenticated' as const },
    data: { user: { name: 'ada' } } as unknown,
    lastRefreshedAt: undefined as Date | undefined,
    dispatch(event: AuthEvent) { store.machine = transition(store.machine, event) as typeof store.machine },
    get status() { return store.machine.phase },
  }
  // Auth.js mode: no token of ours in the jar (the session is Auth.js's httpOnly cookie).
  const tokens = { kept: false, readable: true, token: () => null, refreshToken: () => null, clear: () => {}, write: () => {} }
  // The parts as the manager wires them (only what sign-in, sign-out and the check use of navigation).
  const navigation = {
    enforceGuard: async () => {},
    landingTarget: (url?: string) => ({ url: url ?? '/', external: false }),
    resolveTarget: (url: string) => ({ url, external: false }),
    documentPath: (url: string) => url,
    go: async () => {},
  }
  const parts = {
    nuxtApp: { callHook: async () => {} }, store, tokens, strategy, context: () => ctx,
    navigation, tabs: { post: () => {} }, report: async (error: unknown) => error as AuthError,
  }
  const session = createSession({ parts: parts as never, refresher: () => null, requestTimeout })
  const { signIn } = createSignIn({ ...parts, session } as never)
  return { ctx, cookies, sent, answered, store, session, signIn }
}

/** Resolves once `condition()` holds, or after `ms` without it. */
async function until(condition: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !condition() && Date.now() < end;) await new Promise(resolve => setTimeout(resolve, 10))
}

/** Holds the session callback (so GET /session answers late) until `release()`. */
function holdSessionAnswers() {
  let release!: () => void
  slowSession = new Promise<void>(resolve => (release = resolve))
  return () => {
    slowSession = null
    release()
  }
}

describe('a sign-out while a session check is asked (Auth.js)', () => {
  it('a check in flight when the user signs out: the sign-out waits for its answer, and the cookie stays cleared', async () => {
    const tab = await signedInTab()
    expect(tab.cookies.get('authjs.session-token')).toBeTruthy()
    const release = holdSessionAnswers()
    const check = tab.session.getSession() // the check on window focus
    await vi.waitFor(() => expect(tab.sent.at(-1)).toBe('/session'))
    const signOut = tab.session.endSession('user', { callBackend: true }) // the click on "Sign out"
    release()
    await Promise.all([check, signOut])
    expect(tab.store.machine.phase).toBe('unauthenticated')
    // The sign-out's answer came last: Auth.js's cookie stays cleared, and the next page load finds nobody.
    expect(tab.cookies.get('authjs.session-token')).toBe('')
    expect(tab.sent.filter(path => path === '/signout')).toHaveLength(1)
    expect(await strategy.getSession(tab.ctx)).toBeNull()
  })

  it('a check asked while the sign-out is under way waits for it, and finds nobody', async () => {
    const tab = await signedInTab()
    const release = holdSessionAnswers()
    const signOut = tab.session.endSession('user', { callBackend: true })
    const check = tab.session.getSession()
    // Answered late, had it gone out beside the sign-out: after the sign-out's answer.
    await signOut
    release()
    await expect(check).resolves.toBeNull()
    expect(tab.store.machine.phase).toBe('unauthenticated')
    expect(tab.cookies.get('authjs.session-token')).toBe('')
  })

  it('signing in as someone else while a check of the previous session is in flight: the new user\'s cookie is the one kept', async () => {
    const tab = await signedInTab()
    const release = holdSessionAnswers()
    const check = tab.session.getSession()
    await vi.waitFor(() => expect(tab.sent.at(-1)).toBe('/session'))
    const sentBefore = tab.sent.length
    const switched = tab.signIn('credentials', { username: 'bob', password: 'right', redirect: false })
    // Had the sign-in gone ahead, its answer (bob's cookie) would come first, and the check's (ada's renewed cookie)
    // after it: given a second for that, the sign-in has asked nothing while the check is held.
    await until(() => tab.answered.includes('/callback/credentials'), 1000)
    expect(tab.sent.slice(sentBefore)).toEqual([])
    release()
    await Promise.all([check, switched])
    expect(tab.store.machine.phase).toBe('authenticated')
    expect(await strategy.getSession(tab.ctx)).toMatchObject({ user: { name: 'bob' } })
  })

  it('app code that waits for a sign-out in the check\'s own request hook (auth:request) is held requestTimeout at most, not forever', async () => {
    const tab = await signedInTab(300)
    const request = tab.ctx.request.bind(tab.ctx)
    let signedOutFromHook: Promise<boolean> | undefined
    // As `nuxtApp.hook('auth:request', async ({ endpoint }) => { if (endpoint === 'getSession') await signOut() })`.
    tab.ctx.request = (async (endpoint: { path: string }, ...rest: unknown[]) => {
      // Hooks run once the request code has loaded: the check is under way by then.
      await Promise.resolve()
      if (endpoint.path === '/session' && !signedOutFromHook) await (signedOutFromHook = tab.session.endSession('user', { callBackend: true }))
      return await (request as (...args: unknown[]) => Promise<unknown>)(endpoint, ...rest)
    }) as typeof tab.ctx.request
    const settled = await Promise.race([
      tab.session.getSession().then(() => 'settled', () => 'settled'),
      new Promise(resolve => setTimeout(resolve, 3000, 'still waiting')),
    ])
    expect(settled).toBe('settled')
    expect(await signedOutFromHook).toBe(true)
    expect(tab.store.machine.phase).toBe('unauthenticated')
  })
})
