// A session check and a sign-out at the same time, against the real Auth.js (@auth/core) in process. Auth.js renews
// its session cookie with every answer to GET /session: a check answered after the sign-out's answer sets the
// cookie again, and the next page load would be signed in, unless Auth.js hears of the sign-out once more. The check on window focus starts just before the click on
// "Sign out" that focused the window, so this is the common case, not a corner.
import { Auth, type AuthConfig } from '@auth/core'
import Credentials from '@auth/core/providers/credentials'
import { describe, expect, it, vi } from 'vitest'
import strategy from '../../providers/authjs/client'
import { AuthError, initialMachineState, transition, type AuthErrorCode, type AuthEvent, type StrategyContext } from '../../src/runtime/core'
import { createSession } from '../../src/runtime/app/session'
import type { AuthjsRuntimeOptions } from '../../providers/authjs/options'

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
async function signedInTab() {
  const cookies = new Map<string, string>()
  const sent: string[] = []
  const ctx = {
    options: { defaultProvider: '' },
    url: (path: string) => `/api/auth${path}`,
    error: (code: AuthErrorCode, message: string, options?: ConstructorParameters<typeof AuthError>[2]) => new AuthError(code, message, options),
    async request(endpoint: { path: string, method: string }, _name: string, init: { body?: unknown, headers?: Record<string, string> } = {}) {
      sent.push(endpoint.path)
      const headers = new Headers({ ...init.headers, cookie: [...cookies].filter(([, value]) => value).map(([name, value]) => `${name}=${value}`).join('; ') })
      if (init.body) headers.set('content-type', 'application/json')
      const response = await Auth(new Request(`http://localhost:3000/api/auth${endpoint.path}`, { method: endpoint.method.toUpperCase(), headers, body: init.body ? JSON.stringify(init.body) : undefined }), config)
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';')
        const at = pair!.indexOf('=')
        cookies.set(pair!.slice(0, at), pair!.slice(at + 1))
      }
      const text = await response.text()
      return text ? JSON.parse(text) : null
    },
  } as unknown as StrategyContext<AuthjsRuntimeOptions>
  await strategy.signIn(ctx, { provider: 'credentials', username: 'ada', password: 'right' }, { callbackUrl: '/' })
  const store = {
    machine: { ...initialMachineState, phase: 'authenticated' as const },
    data: { user: { name: 'ada' } } as unknown,
    lastRefreshedAt: undefined as Date | undefined,
    dispatch(event: AuthEvent) { store.machine = transition(store.machine, event) as typeof store.machine },
    get status() { return store.machine.phase },
  }
  // Auth.js mode: no token of ours in the jar (the session is Auth.js's httpOnly cookie).
  const tokens = { kept: false, readable: true, token: () => null, refreshToken: () => null, clear: () => {} }
  const session = createSession({
    parts: {
      nuxtApp: { callHook: async () => {} }, store, tokens, strategy, context: () => ctx,
      navigation: { enforceGuard: async () => {} }, tabs: { post: () => {} }, report: async (error: unknown) => error as AuthError,
    } as never,
    refresher: () => null,
  })
  return { ctx, cookies, sent, store, session }
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
  it('a check in flight when the user signs out, answered after the sign-out, does not bring the session back', async () => {
    const tab = await signedInTab()
    expect(tab.cookies.get('authjs.session-token')).toBeTruthy()
    const release = holdSessionAnswers()
    const check = tab.session.getSession() // the check on window focus
    await vi.waitFor(() => expect(tab.sent.at(-1)).toBe('/session'))
    await tab.session.endSession('user', { callBackend: true }) // the click on "Sign out", answered first
    expect(tab.cookies.get('authjs.session-token')).toBe('')
    release()
    await check
    expect(tab.store.machine.phase).toBe('unauthenticated')
    // The check's late answer set the cookie again; Auth.js is told of the sign-out once more, and the next page
    // load finds nobody.
    await vi.waitFor(() => expect(tab.sent.filter(path => path === '/signout')).toHaveLength(2))
    await vi.waitFor(() => expect(tab.cookies.get('authjs.session-token')).toBe(''))
    expect(await strategy.getSession(tab.ctx)).toBeNull()
  })

  it('a check answered before the sign-out\'s costs no second sign-out', async () => {
    const tab = await signedInTab()
    const check = tab.session.getSession()
    await check
    await tab.session.endSession('user', { callBackend: true })
    expect(tab.sent.filter(path => path === '/signout')).toHaveLength(1)
    expect(tab.cookies.get('authjs.session-token')).toBe('')
  })

  it('app code that signs out from a hook of the check\'s own request (auth:response) does not wait forever', async () => {
    const tab = await signedInTab()
    const request = tab.ctx.request.bind(tab.ctx)
    let signedOutFromHook: Promise<boolean> | undefined
    // As `nuxtApp.hook('auth:response', async ({ endpoint }) => { if (endpoint === 'getSession') await signOut() })`.
    tab.ctx.request = (async (endpoint: { path: string }, ...rest: unknown[]) => {
      const answer = await (request as (...args: unknown[]) => Promise<unknown>)(endpoint, ...rest)
      if (endpoint.path === '/session' && !signedOutFromHook) await (signedOutFromHook = tab.session.endSession('user', { callBackend: true }))
      return answer
    }) as typeof tab.ctx.request
    const settled = await Promise.race([
      tab.session.getSession().then(() => 'settled'),
      new Promise(resolve => setTimeout(resolve, 2000, 'still waiting')),
    ])
    expect(settled).toBe('settled')
    expect(await signedOutFromHook).toBe(true)
    await vi.waitFor(() => expect(tab.cookies.get('authjs.session-token')).toBe(''))
    expect(tab.store.machine.phase).toBe('unauthenticated')
  })
})
