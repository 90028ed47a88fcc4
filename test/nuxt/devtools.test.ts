import { registerEndpoint } from '@nuxt/test-utils/runtime'
import { createError, readBody, setResponseStatus, type H3Event } from 'h3'
import { afterAll, describe, expect, it } from 'vitest'
import { useAuth, useAuthState, useNuxtApp, useRouter } from '#imports'
import { setDevSink } from '../../src/runtime/app/devtools/record'
import type { GuardEntry } from '../../src/runtime/app/devtools/log'
import { HIDDEN_TOKEN, setupDevtools, untilRedirect, type DevtoolsApi } from '../../src/runtime/app/devtools/plugin'

// The DevTools tab's data source (the dev plugin's $gatekeeperDevtools) against the app's real manager. The
// module registers the plugin in development only; here it is set up by hand on the test app.

const USER = { id: 7, name: 'Grace', email: 'grace@example.test' }
const TOKEN = 'token-grace'
const mode = { session: 'ok' as 'ok' | '500' | 'echoes-token' }

registerEndpoint('/api/auth/login', {
  method: 'POST',
  handler: async (event: H3Event) => {
    const body = await readBody<{ password?: string }>(event)
    if (body?.password !== 'right') throw createError({ statusCode: 401, statusMessage: 'Invalid email or password' })
    return { token: TOKEN }
  },
})
registerEndpoint('/api/auth/session', {
  method: 'GET',
  handler: (event: H3Event) => {
    if (mode.session === '500') {
      setResponseStatus(event, 500)
      return { message: 'boom' }
    }
    if (event.headers.get('authorization') !== `Bearer ${TOKEN}`) throw createError({ statusCode: 401 })
    // A backend that sends the token back in its session answer, and a secret of its own beside it.
    if (mode.session === 'echoes-token') return { user: USER, accessToken: TOKEN, credentials: { apiSecret: 'not-a-held-token' }, tokens: { upstream: 'under-a-token-key' } }
    return USER
  },
})
registerEndpoint('/api/auth/logout', { method: 'POST', handler: () => ({ ok: true }) })

function devtools(): DevtoolsApi {
  const nuxtApp = useNuxtApp()
  const setup = setupDevtools(nuxtApp as never, { provider: 'local', sessions: false }) as { provide: { gatekeeperDevtools: DevtoolsApi } }
  return setup.provide.gatekeeperDevtools
}

afterAll(() => setDevSink(undefined))

describe('DevTools tab data source', () => {
  it('follows sign-in, failures and sign-out; the raw token only when asked; the buttons act on the app', async () => {
    useAuthState().clearToken()
    await useRouter().replace('/')
    const api = devtools()
    const before = api.version()

    await useAuth().signIn({ email: USER.email, password: 'wrong' }, { redirect: false }).catch(() => {})
    await useAuth().signIn({ email: USER.email, password: 'right' }, { redirect: false })
    let snapshot = api.snapshot()
    expect(api.version()).toBeGreaterThan(before)
    expect(snapshot).toMatchObject({ status: 'authenticated', phase: 'authenticated', provider: 'local', data: USER, canRefresh: false })
    expect(snapshot.tokens).toMatchObject({ kept: true, readable: true, cookieNames: { token: 'auth.token' }, access: { format: 'opaque', length: TOKEN.length } })
    expect(JSON.stringify(snapshot)).not.toContain(TOKEN)
    expect(api.snapshot({ raw: true }).tokens.access?.raw).toBe(TOKEN)

    const names = () => api.snapshot().entries.events.map(entry => entry.name)
    expect(names()).toContain('signedIn')
    const wrongPassword = api.snapshot().entries.events.find(entry => entry.code === 'INVALID_CREDENTIALS')
    expect(wrongPassword).toMatchObject({ name: 'error', operation: 'signIn', side: 'client' })
    expect(wrongPassword!.fix).toMatch(/^normal use/)

    // Re-check while the backend fails: the button says so, the session stays, the error has its fix.
    mode.session = '500'
    const failed = await api.recheck()
    expect(failed).toEqual({ ok: false, code: 'SERVER', message: expect.stringContaining('500') })
    snapshot = api.snapshot()
    expect(snapshot).toMatchObject({ status: 'authenticated', errorCode: 'SERVER' })
    expect(snapshot.entries.events.find(entry => entry.code === 'SERVER')!.fix).toContain('the backend failed (5xx)')
    mode.session = 'ok'
    expect(await api.recheck()).toEqual({ ok: true, detail: 'the backend answered with a session' })

    // A session answer that carries the token: shown hidden, as a key under a token's or secret's name, unless asked.
    mode.session = 'echoes-token'
    expect(await api.recheck()).toEqual({ ok: true, detail: 'the backend answered with a session' })
    const echoed = api.snapshot()
    expect(JSON.stringify(echoed)).not.toContain(TOKEN)
    expect(JSON.stringify(echoed)).not.toContain('not-a-held-token')
    expect(echoed.data).toEqual({ user: USER, accessToken: HIDDEN_TOKEN, credentials: { apiSecret: HIDDEN_TOKEN }, tokens: { upstream: HIDDEN_TOKEN } })
    expect(api.snapshot({ raw: true }).data).toEqual({ user: USER, accessToken: TOKEN, credentials: { apiSecret: 'not-a-held-token' }, tokens: { upstream: 'under-a-token-key' } })
    // The raw view is for the session it was asked about: another (a session key that moved on) gets none.
    expect(api.snapshot({ raw: true, session: echoed.session }).tokens.access?.raw).toBe(TOKEN)
    expect(api.snapshot({ raw: true, session: `${echoed.session}-another` }).tokens.access?.raw).toBeUndefined()
    mode.session = 'ok'
    await api.recheck()
    expect(api.snapshot().session).not.toBe(echoed.session)

    // Without a refresh token, Refresh asks for the session (and says so).
    expect(await api.refresh()).toEqual({ ok: true, detail: 'no refresh token, so the session was checked: signed in' })

    expect(await api.signOut()).toEqual({ ok: true, detail: 'signed out' })
    snapshot = api.snapshot()
    expect(snapshot).toMatchObject({ status: 'unauthenticated', data: null, tokens: { access: null } })
    expect(snapshot.entries.events.find(entry => entry.name === 'signedOut')!.detail).toBe('signed out by the user (signOut)')

    api.clearLog()
    expect(api.snapshot().entries).toEqual({ guard: [], refreshes: [], events: [] })
  })

  it('a server redirect carries the guard\'s decisions up to the redirect, to the login page and to the forbidden page alike', () => {
    const guard = (n: number, route: string, verdict: GuardEntry['verdict'], target?: string): GuardEntry => ({ id: `s-${n}`, at: n, side: 'server', kind: 'guard', route, verdict, ...(target ? { target } : {}), why: '' })
    const entries = (...decisions: GuardEntry[]) => ({ guard: decisions, refreshes: [], events: [] })
    // Nuxt's router runs the guard for the redirect's target in the same request; that page is not rendered here.
    const toLogin = entries(guard(1, '/profile', 'login', '/login?redirect=%2Fprofile'), guard(2, '/login?redirect=%2Fprofile', 'allow'))
    expect(untilRedirect(toLogin).guard.map(entry => entry.id)).toEqual(['s-1'])
    const toForbiddenPage = entries(guard(1, '/admin', 'allow'), guard(2, '/admin', 'forbidden', '/forbidden'), guard(3, '/forbidden', 'allow'))
    expect(untilRedirect(toForbiddenPage).guard.map(entry => entry.id)).toEqual(['s-1', 's-2'])
    // A 403 error page is this request's own render: nothing to cut.
    const errorPage = entries(guard(1, '/admin', 'forbidden', '403'), guard(2, '/admin', 'allow'))
    expect(untilRedirect(errorPage).guard.map(entry => entry.id)).toEqual(['s-1', 's-2'])
  })
})
