import { registerEndpoint } from '@nuxt/test-utils/runtime'
import { createError, readBody, setResponseStatus, type H3Event } from 'h3'
import { beforeEach, describe, expect, it } from 'vitest'
import { isReactive, isReadonly, nextTick, toRefs, watch } from 'vue'
import { abortNavigation, navigateTo, useAuth, useAuthFetch, useAuthState, useNuxtApp, useRouter } from '#imports'
import { AuthError, defineAbility } from '#auth'
import type { AuthManager } from '../../src/runtime/app/manager'
import { tabChannelName } from '../../src/runtime/app/tabs/channel'
import { requestEndpoint } from '../../src/runtime/shared/request'

// A small backend for the composables: counts calls and answers per test-controlled mode.
const calls = new Map<string, number>()
const mode = { session: 'ok' as 'ok' | '500' | '401' | 'slow', login: 'ok' as 'ok' | 'no-token' }
/** While set, the session endpoint answers only once this promise resolves (a check the test holds open). */
let sessionHeld: Promise<void> | null = null
/** While set, the session endpoint answers a check of the token STALE only once this promise resolves. */
let staleHeld: Promise<void> | null = null
const USER = { id: 1, name: 'Ada', email: 'ada@example.test', roles: ['editor'] }
const TOKEN = 'token-ada'

function count(name: string) {
  calls.set(name, (calls.get(name) ?? 0) + 1)
}

registerEndpoint('/api/auth/login', {
  method: 'POST',
  handler: async (event: H3Event) => {
    count('login')
    const body = await readBody<{ password?: string }>(event)
    if (body?.password !== 'right') throw createError({ statusCode: 401, statusMessage: 'Invalid email or password' })
    return mode.login === 'no-token' ? { user: USER } : { token: TOKEN }
  },
})
registerEndpoint('/api/auth/session', {
  method: 'GET',
  handler: async (event: H3Event) => {
    count('session')
    if (mode.session === '500') {
      setResponseStatus(event, 500)
      return { message: 'boom' }
    }
    // A stale token's answer comes when the test lets it, so a sign-in can finish in between.
    if (event.headers.get('authorization') === 'Bearer STALE') await staleHeld
    if (mode.session === '401' || event.headers.get('authorization') !== `Bearer ${TOKEN}`) {
      throw createError({ statusCode: 401 })
    }
    if (mode.session === 'slow') await new Promise(resolve => setTimeout(resolve, 50))
    await sessionHeld
    return USER
  },
})
registerEndpoint('/api/echo', {
  method: 'GET',
  handler: (event: H3Event) => {
    count('echo')
    if (mode.session === '401') throw createError({ statusCode: 401 })
    return { authorization: event.headers.get('authorization') }
  },
})
registerEndpoint('/api/auth/logout', { method: 'POST', handler: () => (count('logout'), { ok: true }) })

/** The AuthError a promise rejects with; fails the test when it resolves instead. */
async function failureOf(promise: Promise<unknown>): Promise<AuthError> {
  const outcome = await promise.then(() => null, (error: unknown) => error)
  if (!(outcome instanceof AuthError)) throw new Error(`expected an AuthError, got ${String(outcome)}`)
  return outcome
}

/**
 * Holds navigations to `paths` after the guard has let them through (as a slow page chunk or another guard waiting
 * for data would), until released: `release(path)` lets that one go on, `release()` all.
 */
function holdNavigationsTo(paths: string[]) {
  const releases = new Map<string, () => void>()
  const holds = new Map(paths.map(path => [path, new Promise<void>(resolve => releases.set(path, resolve))]))
  const stopHolding = useRouter().beforeEach(async (to) => {
    await holds.get(to.path)
  })
  const release = (path?: string) => (path === undefined ? [...releases.values()] : [releases.get(path)!]).forEach(go => go())
  return { release, stopHolding }
}

/** Two navigations: to /profile, then to /stats, which overtakes the first while it is still under way. */
async function overtakingNavigations() {
  const first = useRouter().push('/profile')
  await new Promise(resolve => setTimeout(resolve, 0))
  const second = useRouter().push('/stats')
  await new Promise(resolve => setTimeout(resolve, 0))
  return { first, second }
}

/** A promise the test lets go of when it wants (`open()`). */
function gate() {
  let open!: () => void
  const closed = new Promise<void>((resolve) => {
    open = resolve
  })
  return { closed, open }
}

/** An app middleware (a dynamic global one, after the module's guard) that waits at `?wait=` until its gate opens. */
function slowAppMiddleware() {
  const gates = new Map<string, ReturnType<typeof gate>>()
  const middleware = useNuxtApp()._middleware.global
  const slow = async (to: { query: Record<string, unknown> }) => {
    const name = to.query.wait
    if (typeof name === 'string') await gates.get(name)?.closed
  }
  middleware.push(slow)
  return {
    hold: (name: string) => gates.set(name, gate()),
    open: (name: string) => gates.get(name)!.open(),
    remove: () => middleware.splice(middleware.indexOf(slow), 1),
  }
}

async function signedIn() {
  await useAuth().signIn({ email: USER.email, password: 'right' }, { redirect: false })
}

beforeEach(async () => {
  const state = useAuthState()
  state.clearToken()
  state.store.data = undefined
  state.store.lastRefreshedAt = undefined
  state.store.dispatch({ type: 'SIGNED_OUT' })
  mode.session = 'ok'
  mode.login = 'ok'
  sessionHeld = null
  staleHeld = null
  calls.clear()
  await useRouter().replace('/')
})

describe('useAuth (local provider)', () => {
  it('signs in: token stored, session loaded with one getSession call', async () => {
    await signedIn()
    const auth = useAuth()
    expect(auth.status.value).toBe('authenticated')
    expect(auth.data.value).toEqual(USER)
    expect(auth.token.value).toBe(`Bearer ${TOKEN}`)
    expect(useAuthState().rawToken.value).toBe(TOKEN)
    expect(auth.lastRefreshedAt.value).toBeInstanceOf(Date)
    expect(Object.fromEntries(calls)).toEqual({ login: 1, session: 1 })
  })

  it('returns every field as an own property (spread, toRefs, destructuring), each ref one object that follows the state', async () => {
    const auth = useAuth()
    const state = useAuthState()
    expect(Object.keys({ ...auth }).sort()).toEqual(['allows', 'data', 'error', 'getCsrfToken', 'getProviders', 'getSession', 'hasRole', 'lastRefreshedAt', 'refresh', 'refreshToken', 'signIn', 'signOut', 'signUp', 'status', 'token'])
    expect(Object.keys({ ...state }).sort()).toEqual(['clearToken', 'data', 'lastRefreshedAt', 'loading', 'rawRefreshToken', 'rawToken', 'refreshToken', 'setRefreshToken', 'setToken', 'status', 'store', 'token'])
    // Made once per call's object, then the same ref on every read.
    expect(auth.status).toBe(auth.status)
    expect(state.rawToken).toBe(state.rawToken)
    const { status, data } = auth
    const spread = { ...state }
    await signedIn()
    expect(status.value).toBe('authenticated')
    expect(data.value).toEqual(USER)
    // Read-only down to its arrays, as the incumbent's readonly(data); useAuthState().data is the writable one.
    expect(isReadonly(data.value)).toBe(true)
    expect(isReadonly((data.value as typeof USER).roles)).toBe(true)
    expect(isReadonly(auth.status)).toBe(true)
    expect(isReadonly(spread.data.value)).toBe(false)
    expect(spread.rawToken.value).toBe(TOKEN)
    expect(spread.token.value).toBe(`Bearer ${TOKEN}`)
    expect(typeof auth.getCsrfToken).toBe('function')
    // rawToken writes through the token store.
    state.rawToken.value = 'other'
    expect(auth.token.value).toBe('Bearer other')
  })

  it('has Auth.js\'s getProviders and getCsrfToken as functions that refuse with NOT_SUPPORTED', async () => {
    const { getProviders, getCsrfToken } = useAuth()
    await expect(getProviders()).rejects.toMatchObject({ code: 'NOT_SUPPORTED', message: expect.stringContaining('getProviders') })
    await expect(getCsrfToken()).rejects.toMatchObject({ code: 'NOT_SUPPORTED', message: expect.stringContaining('getCsrfToken') })
  })

  it('signIn(…, { callGetSession: false }) stores the token and asks for no session until the app does', async () => {
    const auth = useAuth()
    const result = await auth.signIn({ email: USER.email, password: 'right' }, { redirect: false, callGetSession: false })
    expect(result).toBeNull()
    expect(useAuthState().rawToken.value).toBe(TOKEN)
    expect(Object.fromEntries(calls)).toEqual({ login: 1 })
    expect(auth.status.value).toBe('unauthenticated')
    await auth.getSession()
    expect(auth.status.value).toBe('authenticated')
    expect(Object.fromEntries(calls)).toEqual({ login: 1, session: 1 })
  })

  it('shares one request among concurrent getSession calls', async () => {
    await signedIn()
    mode.session = 'slow'
    calls.set('session', 0)
    const results = await Promise.all(Array.from({ length: 10 }, () => useAuth().getSession()))
    expect(calls.get('session')).toBe(1)
    expect(results.every(result => result && (result as typeof USER).email === USER.email)).toBe(true)
  })

  it('never shows loading while an authenticated session is re-checked', async () => {
    await signedIn()
    const auth = useAuth()
    const seen: string[] = []
    const stop = watch(auth.status, value => seen.push(value), { flush: 'sync' })
    mode.session = 'slow'
    await auth.getSession()
    stop()
    expect(seen).not.toContain('loading')
    expect(auth.status.value).toBe('authenticated')
  })

  it('keeps the session and the token when the session endpoint fails with 500', async () => {
    await signedIn()
    mode.session = '500'
    const auth = useAuth()
    const failure = await failureOf(auth.getSession())
    expect(failure).toBeInstanceOf(AuthError)
    expect(failure.code).toBe('SERVER')
    expect(failure.status).toBe(500)
    expect(auth.status.value).toBe('authenticated')
    expect(auth.data.value).toEqual(USER)
    expect(auth.error.value).toBe('SERVER')
    expect(useAuthState().rawToken.value).toBe(TOKEN)
    mode.session = 'ok'
    await auth.getSession()
    expect(auth.error.value).toBeNull()
  })

  it('signs out on a 401 from the session endpoint', async () => {
    await signedIn()
    mode.session = '401'
    const signedOut: string[] = []
    const unhook = useNuxtApp().hook('auth:signedOut', ({ reason }) => {
      signedOut.push(reason)
    })
    const auth = useAuth()
    expect(await auth.getSession()).toBeNull()
    unhook()
    expect(auth.status.value).toBe('unauthenticated')
    expect(auth.data.value).toBeNull()
    expect(useAuthState().rawToken.value).toBeNull()
    expect(signedOut).toEqual(['session-refused'])
  })

  it('a wrong password throws INVALID_CREDENTIALS and leaves the existing session alone', async () => {
    await signedIn()
    const auth = useAuth()
    const failure = await failureOf(auth.signIn({ email: 'x@example.test', password: 'wrong' }, { redirect: false }))
    expect(failure).toBeInstanceOf(AuthError)
    expect(failure.code).toBe('INVALID_CREDENTIALS')
    expect(failure.status).toBe(401)
    expect(auth.status.value).toBe('authenticated')
    expect(auth.data.value).toEqual(USER)
    expect(useAuthState().rawToken.value).toBe(TOKEN)
    expect(calls.get('logout')).toBeUndefined()
  })

  it('a sign-in response without a token is a BAD_RESPONSE and stores nothing', async () => {
    mode.login = 'no-token'
    const failure = await failureOf(useAuth().signIn({ email: USER.email, password: 'right' }, { redirect: false }))
    expect(failure).toBeInstanceOf(AuthError)
    expect(failure.code).toBe('BAD_RESPONSE')
    expect(failure.message).toContain('token.signInResponseTokenPointer')
    expect(useAuthState().rawToken.value).toBeNull()
    expect(useAuth().status.value).toBe('unauthenticated')
  })

  it('a rejected callbackUrl or ?redirect= counts as none: the sign-in lands where it would without it', async () => {
    const landing = async (from: string, callbackUrl?: string) => {
      await useAuth().signOut({ redirect: false })
      await useRouter().replace(from)
      await useAuth().signIn({ email: USER.email, password: 'right' }, callbackUrl === undefined ? {} : { callbackUrl })
      return useRouter().currentRoute.value.fullPath
    }
    // The playground's login page sends signed-in users to its navigateAuthenticatedTo (/profile), not the module's (/).
    expect(await landing('/login')).toBe('/profile')
    expect(await landing('/login', '//evil.example/x')).toBe('/profile')
    expect(await landing(`/login?redirect=${encodeURIComponent('https://evil.example/')}`)).toBe('/profile')
    // An allow-listed origin without external: true is refused like any other.
    expect(await landing('/login', 'https://idp.gatekeeper.test/x')).toBe('/profile')
    // The next one applies: ?redirect= after a rejected callbackUrl, the page signed in from after both.
    expect(await landing('/login?redirect=/stats', 'javascript:alert(1)')).toBe('/stats')
    expect(await landing('/lab?tab=4&redirect=//evil.example', 'https://evil.example/')).toBe('/lab?tab=4&redirect=//evil.example')
  })

  it('follows a safe callbackUrl with its query', async () => {
    await useRouter().replace('/login')
    await useAuth().signIn({ email: USER.email, password: 'right' }, { callbackUrl: '/stats?tab=2' })
    expect(useRouter().currentRoute.value.fullPath).toBe('/stats?tab=2')
  })

  it('without callbackUrl or ?redirect=: stays on the page it signs in from (addDefaultCallbackUrl), but not on the login page or another guest-only page', async () => {
    await useRouter().replace('/lab?tab=4')
    await useAuth().signIn({ email: USER.email, password: 'right' })
    expect(useRouter().currentRoute.value.fullPath).toBe('/lab?tab=4')
    // A guest-only page is no place for a signed-in user: where its guard would send one, the playground's login
    // page to its navigateAuthenticatedTo (/profile), the sign-up page (no such meta) to the module's (/).
    await useAuth().signOut({ redirect: false })
    await useRouter().replace('/login')
    await useAuth().signIn({ email: USER.email, password: 'right' })
    expect(useRouter().currentRoute.value.fullPath).toBe('/profile')
    await useAuth().signOut({ redirect: false })
    await useRouter().replace('/register')
    await useAuth().signIn({ email: USER.email, password: 'right' })
    expect(useRouter().currentRoute.value.fullPath).toBe('/')
  })

  it('signOut clears token and session, calls the backend once, and fires the hook', async () => {
    await signedIn()
    const reasons: string[] = []
    const unhook = useNuxtApp().hook('auth:signedOut', ({ reason }) => {
      reasons.push(reason)
    })
    const here = useRouter().currentRoute.value.fullPath
    // Where it would go: with redirect: false and no callbackUrl, the page the user is on (as the incumbent's Auth.js resolves { url }).
    expect(await useAuth().signOut({ redirect: false })).toEqual({ url: here })
    unhook()
    expect(useAuth().status.value).toBe('unauthenticated')
    expect(useAuthState().rawToken.value).toBeNull()
    expect(calls.get('logout')).toBe(1)
    expect(reasons).toEqual(['user'])
  })

  it('signOut resolves with the sanitised callbackUrl it went to, or would go to', async () => {
    await signedIn()
    expect(await useAuth().signOut({ callbackUrl: '/stats?tab=3', redirect: false })).toEqual({ url: '/stats?tab=3' })
    // A rejected one counts as none: the guard decides, the page stays public or goes to the login page.
    await useRouter().replace('/lab?tab=3')
    await signedIn()
    expect(await useAuth().signOut({ callbackUrl: 'https://evil.example/steal' })).toEqual({ url: '/lab?tab=3' })
    expect(useRouter().currentRoute.value.fullPath).toBe('/lab?tab=3')
    await useRouter().replace('/stats')
    await signedIn()
    await useAuth().signOut({ callbackUrl: '//evil.example/steal' })
    expect(useRouter().currentRoute.value.fullPath).toBe('/login?redirect=/stats')
  })

  it('a callbackUrl naming the page on screen still gets the guard\'s decision (Vue Router runs no middleware for it)', async () => {
    // Signed out on the protected page itself: the login page, not the protected page without a user.
    await signedIn()
    await useRouter().replace('/stats')
    expect(useRouter().currentRoute.value.path).toBe('/stats')
    await useAuth().signOut({ callbackUrl: '/stats' })
    expect(useAuth().status.value).toBe('unauthenticated')
    expect(useRouter().currentRoute.value.path).toBe('/login')
    // Signed in on the guest-only login page with it as the target: on to where signed-in users go.
    await useRouter().replace('/login')
    await useAuth().signIn({ email: USER.email, password: 'right' }, { callbackUrl: '/login' })
    expect(useAuth().status.value).toBe('authenticated')
    expect(useRouter().currentRoute.value.path).not.toBe('/login')
  })

  it('lets auth:request hooks add headers', async () => {
    const seen: string[] = []
    const unhook = useNuxtApp().hook('auth:request', (context) => {
      context.options.headers['x-tenant'] = 'acme'
      seen.push(context.endpoint)
    })
    await signedIn()
    unhook()
    expect(seen).toEqual(['signIn', 'getSession'])
  })

  it('keeps tokens out of the serialisable state, which useAuthState().store is (no Pinia in an app without it)', async () => {
    await signedIn()
    const payloadState = (useNuxtApp().payload as { gatekeeper?: unknown }).gatekeeper
    expect(JSON.stringify(payloadState)).not.toContain(TOKEN)
    expect(JSON.stringify(payloadState)).toContain(USER.email)
    expect(useNuxtApp().$pinia).toBeUndefined()
    // One object underneath: a change through the store is the module's state.
    useAuthState().store.data = { ...USER, name: 'Changed' }
    expect(useAuth().data.value).toMatchObject({ name: 'Changed' })
    expect(useAuthState().store.status).toBe('authenticated')
  })

  it('without Pinia, useAuthState().store is reactive with the state\'s fields as its keys: watch, toRefs and spreading work', async () => {
    const { store } = useAuthState()
    expect(useAuthState().store).toBe(store)
    expect(isReactive(store)).toBe(true)
    expect(Object.keys(store)).toEqual(expect.arrayContaining(['machine', 'data', 'lastRefreshedAt', 'status', 'loading']))
    expect(Object.keys(store)).not.toContain('target')
    const seen: string[] = []
    const stop = watch(store, () => seen.push(store.status), { deep: true })
    const { status, data } = toRefs(store)
    await signedIn()
    await nextTick()
    stop()
    expect(seen).not.toEqual([])
    expect(seen.at(-1)).toBe('authenticated')
    expect(status.value).toBe('authenticated')
    expect(data.value).toMatchObject({ email: USER.email })
    expect({ ...store }).toMatchObject({ status: 'authenticated', data: { email: USER.email } })
  })
})

describe('races and endings', () => {
  it('a late 401 for an old token does not wipe the token of a sign-in that finished meanwhile', async () => {
    const stale = gate()
    staleHeld = stale.closed
    useAuthState().setToken('STALE')
    const staleCheck = useAuth().getSession().catch(() => null)
    // The sign-in's own session call (50 ms) is still running when the stale 401 arrives: the 401 is held until the
    // sign-in has written its token, or for a second (a sign-in that waits for the check's answer writes nothing).
    mode.session = 'slow'
    const signingIn = signedIn()
    for (const end = Date.now() + 1000; useAuthState().rawToken.value !== TOKEN && Date.now() < end;) await new Promise(resolve => setTimeout(resolve, 5))
    stale.open()
    await signingIn
    await staleCheck
    expect(useAuth().status.value).toBe('authenticated')
    expect(useAuthState().rawToken.value).toBe(TOKEN)
    expect(useAuth().data.value).toEqual(USER)
  })

  it('a wrong password while the first check runs leaves the guard waiting for that check, not sending to login', async () => {
    // A client-only start: a stored token, no verdict yet, the check under way.
    const state = useAuthState()
    state.store.machine = { phase: 'unknown', activity: null, error: null, checkFailed: false, epoch: state.store.machine.epoch }
    state.setToken(TOKEN)
    const held = gate()
    sessionHeld = held.closed
    const check = useAuth().getSession()
    const failure = await failureOf(useAuth().signIn({ email: USER.email, password: 'wrong' }, { redirect: false }))
    expect(failure.code).toBe('INVALID_CREDENTIALS')
    expect(useAuth().error.value).toBe('INVALID_CREDENTIALS')
    const manager = useNuxtApp().$gatekeeper as AuthManager
    const protectedPage = { path: '/profile', fullPath: '/profile', meta: { auth: true }, matched: [{}], query: {} }
    expect(manager.guardTarget(protectedPage as never)).toBe('wait')
    expect(calls.get('session')).toBe(1)
    held.open()
    await check
    expect(useAuth().status.value).toBe('authenticated')
    expect(manager.guardTarget(protectedPage as never)).toBeNull()
  })

  it('signIn({ redirect: false }) after failed checks stays put: the guard acts on a check\'s verdict, not on a sign-in the app drives', async () => {
    await useRouter().replace('/login?redirect=/stats')
    const state = useAuthState()
    state.store.machine = { phase: 'unknown', activity: null, error: null, checkFailed: false, epoch: state.store.machine.epoch }
    state.setToken(TOKEN)
    mode.session = '500'
    await failureOf(useAuth().getSession())
    expect(state.store.machine.checkFailed).toBe(true)
    mode.session = 'ok'
    const navigations: string[] = []
    const stopRecording = useRouter().beforeEach((to) => {
      navigations.push(to.fullPath)
    })
    await useAuth().signIn({ email: USER.email, password: 'right' }, { redirect: false })
    await new Promise(resolve => setTimeout(resolve, 300))
    stopRecording()
    expect(useAuth().status.value).toBe('authenticated')
    expect(navigations).toEqual([])
    expect(useRouter().currentRoute.value.fullPath).toBe('/login?redirect=/stats')
    // A check's verdict after failed checks is the guard's to act on: the login page sends the user on.
    state.store.machine = { phase: 'unknown', activity: null, error: null, checkFailed: false, epoch: state.store.machine.epoch }
    mode.session = '500'
    await failureOf(useAuth().getSession())
    mode.session = 'ok'
    await useAuth().getSession()
    await expect.poll(() => useRouter().currentRoute.value.fullPath).toBe('/stats')
  })

  it('another tab\'s "signed out" that arrives after this tab signed in again (its tokens in the jar) is old news: nothing ends, no hook', async () => {
    expect(typeof BroadcastChannel).toBe('function')
    const otherTab = new BroadcastChannel(tabChannelName((useNuxtApp().$gatekeeper as AuthManager).config))
    const reasons: string[] = []
    const unhook = useNuxtApp().hook('auth:signedOut', ({ reason }) => {
      reasons.push(reason)
    })
    try {
      // This tab signed in once the other tab's sign-out had released the lock; that tab's message comes after.
      await signedIn()
      otherTab.postMessage({ type: 'signed-out' })
      await new Promise(resolve => setTimeout(resolve, 50))
      expect(useAuth().status.value).toBe('authenticated')
      expect(useAuthState().rawToken.value).toBe(TOKEN)
      expect(reasons).toEqual([])
      // With the jar empty (the other tab cleared it), the message ends this tab's session; another app's on this
      // origin (a token cookie of its own) does not: that is another sign-in.
      useAuthState().clearToken()
      const otherApp = new BroadcastChannel(tabChannelName({ ...(useNuxtApp().$gatekeeper as AuthManager).config, token: { cookie: { name: 'admin.token' } } }))
      otherApp.postMessage({ type: 'signed-out' })
      otherApp.close()
      await new Promise(resolve => setTimeout(resolve, 50))
      expect(useAuth().status.value).toBe('authenticated')
      otherTab.postMessage({ type: 'signed-out' })
      await expect.poll(() => useAuth().status.value).toBe('unauthenticated')
      expect(reasons).toEqual(['other-tab'])
      // Already signed out: a second message fires nothing more.
      otherTab.postMessage({ type: 'signed-out' })
      await new Promise(resolve => setTimeout(resolve, 50))
      expect(reasons).toEqual(['other-tab'])
    }
    finally {
      unhook()
      otherTab.close()
    }
  })

  it('a session whose token disappeared ends as a sign-out: hook fired, guard applied', async () => {
    await signedIn()
    await useRouter().push('/profile')
    const reasons: string[] = []
    const unhook = useNuxtApp().hook('auth:signedOut', ({ reason }) => {
      reasons.push(reason)
    })
    useAuthState().rawToken.value = null
    await useAuth().getSession()
    await new Promise(resolve => setTimeout(resolve, 0))
    unhook()
    expect(useAuth().status.value).toBe('unauthenticated')
    expect(reasons).toEqual(['session-refused'])
    expect(useRouter().currentRoute.value.path).toBe('/login')
  })

  it('refresh() without refresh tokens asks the backend for the session, as the incumbent does', async () => {
    await signedIn()
    calls.clear()
    expect(await useAuth().refresh()).toEqual(USER)
    expect(calls.get('session')).toBe(1)
  })

  it('getSession({ required }) when nobody is signed in: the login page to come back to callbackUrl or this page, or onUnauthenticated instead', async () => {
    await useRouter().push('/')
    expect(await useAuth().getSession({ required: true, onUnauthenticated: () => 'handled' })).toBe('handled')
    expect(useRouter().currentRoute.value.path).toBe('/')
    // "Force a signIn" (the incumbent's docs): callbackUrl is where the sign-in comes back to, as in signIn().
    const loginWith = () => ({ path: useRouter().currentRoute.value.path, redirect: useRouter().currentRoute.value.query.redirect })
    await useAuth().getSession({ required: true, callbackUrl: '/goodbye?x=1' })
    expect(loginWith()).toEqual({ path: '/login', redirect: '/goodbye?x=1' })
    await useRouter().push('/lab?x=2')
    await useAuth().getSession({ required: true })
    expect(loginWith()).toEqual({ path: '/login', redirect: '/lab?x=2' })
    await useRouter().push('/lab')
    // A rejected callbackUrl counts as none: the page it was called on.
    await useAuth().getSession({ required: true, callbackUrl: 'https://evil.example/' })
    expect(loginWith()).toEqual({ path: '/login', redirect: '/lab' })
  })
})

describe('useAuthFetch (no refresh provider)', () => {
  it('sends the stored token in the configured header', async () => {
    await signedIn()
    expect(await useAuthFetch()<{ authorization: string }>('/api/echo')).toEqual({ authorization: `Bearer ${TOKEN}` })
  })

  it('sends no header when signed out', async () => {
    expect(await useAuthFetch()<{ authorization: string | null }>('/api/echo')).toEqual({ authorization: null })
  })

  it('a 401 asks the session endpoint for a verdict, then rethrows', async () => {
    await signedIn()
    calls.clear()
    mode.session = '401'
    const outcome = await useAuthFetch()('/api/echo').then(() => 'resolved', (error: { statusCode?: number }) => error.statusCode)
    expect(outcome).toBe(401)
    expect(calls.get('echo')).toBe(1)
    expect(calls.get('session')).toBe(1)
    expect(useAuth().status.value).toBe('unauthenticated')
  })
})

describe('requestEndpoint', () => {
  const deps = {
    baseURL: '/api/auth',
    timeout: 1000,
    tokens: { authorization: () => null },
    callHook: async () => {},
  }

  it('a disabled endpoint throws ENDPOINT_DISABLED naming the option', async () => {
    const failure = await failureOf(requestEndpoint(deps, false, 'signUp'))
    expect(failure.code).toBe('ENDPOINT_DISABLED')
    expect(failure.message).toContain('auth.provider.endpoints.signUp')
  })

  it('an unreachable backend is NETWORK, not a verdict', async () => {
    const failure = await failureOf(requestEndpoint(deps, { path: 'http://127.0.0.1:9/session', method: 'get' }, 'getSession'))
    expect(failure.code).toBe('NETWORK')
    expect(failure.isVerdict).toBe(false)
  })
})

describe('authorization in the app', () => {
  const ownProfile = defineAbility((session: { id: number }, profileId: number) => session.id === profileId)
  const route = (path: string, auth: unknown) => ({ path, fullPath: path, meta: { auth }, matched: [{}] })

  it('hasRole and allows read the signed-in session; nobody signed in has no role and no ability', async () => {
    const auth = useAuth()
    expect(auth.hasRole('editor')).toBe(false)
    expect(await auth.allows(ownProfile, 1)).toBe(false)
    await signedIn()
    expect(auth.hasRole('editor')).toBe(true)
    expect(auth.hasRole(['admin', 'editor'])).toBe(true)
    expect(auth.hasRole('admin')).toBe(false)
    expect(await auth.allows(ownProfile, 1)).toBe(true)
    expect(await auth.allows(ownProfile, 2)).toBe(false)
  })

  it('a page the user may not see: a 403 error, or auth.authorization.forbiddenPage, which itself gets the error (no loop)', async () => {
    await signedIn()
    const manager = useNuxtApp().$gatekeeper as AuthManager
    expect(await manager.accessTarget(route('/desk', { roles: ['editor'] }))).toBeNull()
    expect(await manager.accessTarget(route('/me', { can: defineAbility((session: { id: number }) => session.id === 1) }))).toBeNull()
    const denied = await manager.accessTarget(route('/admin', { roles: ['admin'] }))
    expect(denied).toMatchObject({ statusCode: 403 })
    const config = manager.config.authorization
    config.forbiddenPage = '/forbidden'
    try {
      expect(await manager.accessTarget(route('/admin', { roles: ['admin'] }))).toBe('/forbidden')
      expect(await manager.accessTarget(route('/forbidden', { roles: ['admin'] }))).toMatchObject({ statusCode: 403 })
    }
    finally {
      config.forbiddenPage = null
    }
    // Guest pages and pages that ask nothing beyond signing in are not the authorization's business.
    expect(await manager.accessTarget(route('/x', { unauthenticatedOnly: true, roles: ['admin'] }))).toBeNull()
    expect(await manager.accessTarget(route('/x', true))).toBeNull()
  })
})

describe('route guard', () => {
  it('sends a signed-out visitor of a protected page to login with the target', async () => {
    await useRouter().push('/profile?tab=1')
    expect(useRouter().currentRoute.value.path).toBe('/login')
    expect(useRouter().currentRoute.value.query.redirect).toBe('/profile?tab=1')
  })

  it('lets a signed-in user through and sends them away from guest pages', async () => {
    await signedIn()
    await useRouter().push('/profile')
    expect(useRouter().currentRoute.value.path).toBe('/profile')
    await useRouter().push('/guest-only')
    expect(useRouter().currentRoute.value.path).toBe('/')
  })

  it('sends the user to login when a 401 arrives while on a protected page', async () => {
    await signedIn()
    await useRouter().push('/profile')
    mode.session = '401'
    await useAuth().getSession()
    await new Promise(resolve => setTimeout(resolve, 0))
    expect(useRouter().currentRoute.value.path).toBe('/login')
  })

  it('a sign-out that arrives while a navigation is under way, its guard passed, is applied where the navigation lands', async () => {
    await signedIn()
    const { release, stopHolding } = holdNavigationsTo(['/profile'])
    try {
      const navigation = useRouter().push('/profile')
      await new Promise(resolve => setTimeout(resolve, 0))
      mode.session = '401'
      await useAuth().getSession()
      expect(useAuth().status.value).toBe('unauthenticated')
      release()
      await navigation
      await expect.poll(() => useRouter().currentRoute.value.fullPath).toBe('/login?redirect=/profile')
    }
    finally {
      stopHolding()
    }
  })

  it('… and where the navigation that overtook it lands, when the one under way is cancelled', async () => {
    await signedIn()
    const { release, stopHolding } = holdNavigationsTo(['/profile', '/stats'])
    try {
      const { first, second } = await overtakingNavigations()
      mode.session = '401'
      await useAuth().getSession()
      release()
      await Promise.all([first, second])
      await expect.poll(() => useRouter().currentRoute.value.fullPath).toBe('/login?redirect=/stats')
    }
    finally {
      stopHolding()
    }
  })

  it('… also when the verdict comes after the overtaken one ended (cancelled) while the newer one still loads', async () => {
    await signedIn()
    const { release, stopHolding } = holdNavigationsTo(['/profile', '/stats'])
    try {
      const { first, second } = await overtakingNavigations()
      // The first goes on, finds itself overtaken and ends cancelled; Nuxt's afterEach clears its middleware flag then,
      // while the second is still held.
      release('/profile')
      await first
      expect(useNuxtApp()._processingMiddleware).toBeFalsy()
      mode.session = '401'
      await useAuth().getSession()
      expect(useAuth().status.value).toBe('unauthenticated')
      release('/stats')
      await second
      await expect.poll(() => useRouter().currentRoute.value.fullPath).toBe('/login?redirect=/stats')
    }
    finally {
      stopHolding()
    }
  })

  it('… also when the overtaken one ends aborted by a guard that was still running, not cancelled', async () => {
    await signedIn()
    let abortFirst!: () => void
    const aborting = new Promise<void>((resolve) => {
      abortFirst = resolve
    })
    // An app guard that was still deciding about the first navigation when the second began, and then refuses it.
    const stopAborting = useRouter().beforeEach(async (to) => {
      if (to.path !== '/profile') return
      await aborting
      return false
    })
    const { release, stopHolding } = holdNavigationsTo(['/stats'])
    try {
      const { first, second } = await overtakingNavigations()
      abortFirst()
      await first
      expect(useNuxtApp()._processingMiddleware).toBeFalsy()
      mode.session = '401'
      await useAuth().getSession()
      release('/stats')
      await second
      await expect.poll(() => useRouter().currentRoute.value.fullPath).toBe('/login?redirect=/stats')
    }
    finally {
      stopAborting()
      stopHolding()
    }
  })

  it('… and where the user stays, when the one that overtook it never reached the module\'s guard (a duplicate of the current page)', async () => {
    await signedIn()
    await useRouter().push('/profile')
    const { release, stopHolding } = holdNavigationsTo(['/stats'])
    try {
      const first = useRouter().push('/stats')
      await new Promise(resolve => setTimeout(resolve, 0))
      // The same page again: vue-router ends it as a duplicate, running no guard, and the held one is overtaken.
      await useRouter().push('/profile')
      release()
      await first
      mode.session = '401'
      await useAuth().getSession()
      await expect.poll(() => useRouter().currentRoute.value.fullPath).toBe('/login?redirect=/profile')
    }
    finally {
      stopHolding()
    }
  })

  it('… and when the one that overtook it was refused by the app\'s middleware, which runs before the module\'s guard', async () => {
    await signedIn()
    await useRouter().push('/profile')
    const middleware = useNuxtApp()._middleware.global
    const refuse = (to: { query: Record<string, unknown> }) => (to.query.refuse ? abortNavigation() : undefined)
    middleware.push(refuse)
    const { release, stopHolding } = holdNavigationsTo(['/stats'])
    try {
      const first = useRouter().push('/stats')
      await new Promise(resolve => setTimeout(resolve, 0))
      await useRouter().push('/profile?refuse=1')
      release()
      await first
      mode.session = '401'
      await useAuth().getSession()
      await expect.poll(() => useRouter().currentRoute.value.fullPath).toBe('/login?redirect=/profile')
    }
    finally {
      middleware.splice(middleware.indexOf(refuse), 1)
      stopHolding()
    }
  })

  it('… and where the newest lands, when an older navigation reaches the module\'s hooks after it (slow app middleware) and ends cancelled', async () => {
    await signedIn()
    const app = slowAppMiddleware()
    app.hold('first')
    try {
      const first = useRouter().push('/stats?wait=first')
      await new Promise(resolve => setTimeout(resolve, 0))
      await useRouter().push('/profile')
      app.open('first')
      await first
      mode.session = '401'
      await useAuth().getSession()
      await expect.poll(() => useRouter().currentRoute.value.fullPath).toBe('/login?redirect=/profile')
    }
    finally {
      app.remove()
    }
  })

  it('… and where the newest lands, when a duplicate ended before it and the one it overtook ends while it still waits in the app\'s middleware', async () => {
    await signedIn()
    const app = slowAppMiddleware()
    app.hold('newest')
    const { release, stopHolding } = holdNavigationsTo(['/stats'])
    try {
      const overtaken = useRouter().push('/stats')
      await new Promise(resolve => setTimeout(resolve, 0))
      await useRouter().push('/')
      const newest = useRouter().push('/profile?wait=newest')
      await new Promise(resolve => setTimeout(resolve, 0))
      release()
      await overtaken
      mode.session = '401'
      await useAuth().getSession()
      expect(useRouter().currentRoute.value.path).toBe('/')
      app.open('newest')
      await newest
      await expect.poll(() => useRouter().currentRoute.value.fullPath).toBe('/login?redirect=/profile?wait=newest')
    }
    finally {
      app.remove()
      stopHolding()
    }
  })

  it('a navigation an app middleware redirects to the page the user is on (a duplicate, which starts nothing) counts as ended', async () => {
    await signedIn()
    await useRouter().push('/profile')
    const middleware = useNuxtApp()._middleware.global
    const back = (to: { query: Record<string, unknown> }) => (to.query.back ? navigateTo('/profile') : undefined)
    middleware.push(back)
    try {
      await useRouter().push('/stats?back=1')
      expect(useRouter().currentRoute.value.fullPath).toBe('/profile')
      mode.session = '401'
      await useAuth().getSession()
      await expect.poll(() => useRouter().currentRoute.value.fullPath).toBe('/login?redirect=/profile')
    }
    finally {
      middleware.splice(middleware.indexOf(back), 1)
    }
  })

  it('looks once when several verdicts arrive during one navigation: one navigation to the login page', async () => {
    await signedIn()
    const { release, stopHolding } = holdNavigationsTo(['/profile'])
    // Every navigation to the login page that ended, cancelled ones too (the app's afterEach hooks see each).
    const toLogin: string[] = []
    const stopCounting = useRouter().afterEach((to, _from, failure) => {
      if (to.path === '/login') toLogin.push(`${to.fullPath}${failure ? ` (failure ${failure.type})` : ''}`)
    })
    try {
      const navigation = useRouter().push('/profile')
      await new Promise(resolve => setTimeout(resolve, 0))
      mode.session = '401'
      await useAuth().getSession()
      // A second verdict for the same navigation (another tab's sign-out, a 401 to useAuthFetch, …).
      await (useNuxtApp().$gatekeeper as AuthManager).enforceGuard()
      release()
      await navigation
      await expect.poll(() => useRouter().currentRoute.value.fullPath).toBe('/login?redirect=/profile')
      expect(toLogin).toEqual(['/login?redirect=/profile'])
    }
    finally {
      stopCounting()
      stopHolding()
    }
  })
})
