import type { Page } from 'playwright-core'
import { describe, expect, inject, it } from 'vitest'
import { Backend, newUser, openSession, signInThroughForm, useChromium, waitForHydration } from './helpers'

// The refresh fixture: the playground's rotating refresh tokens, plus test/fixtures/local's lab page and hook recorder.
const baseURL = inject('refreshBaseURL')
const backend = new Backend(baseURL)
const browser = useChromium(backend)

type Outcome = { ok: true, value: unknown } | { ok: false, code: string, status?: number }
interface LabState { status: string, email: string | null, rawToken: string | null, rawRefreshToken: string | null }
interface RecordedHooks { refreshed: number, errors: string[], signedOut: string[], signedIn: number, responses: string[] }

async function openLab(page: Page) {
  await page.goto('/lab')
  await waitForHydration(page)
  await page.waitForFunction(() => Boolean((window as unknown as { __lab?: unknown }).__lab))
}

const lab = {
  signUp: (page: Page, ...args: unknown[]) => page.evaluate(([credentials, ...rest]) => (window as never as { __lab: { signUp: (...a: unknown[]) => Promise<Outcome> } }).__lab.signUp(credentials, ...rest), args),
  authFetch: (page: Page, url: string) => page.evaluate(target => (window as never as { __lab: { authFetch: (u: string) => Promise<Outcome> } }).__lab.authFetch(target), url),
  state: (page: Page) => page.evaluate(() => (window as never as { __lab: { state: () => LabState } }).__lab.state()),
  hooks: (page: Page) => page.evaluate(() => (window as never as { __authHooks: RecordedHooks }).__authHooks),
}

/** A new user signed in through the login form, on the lab page; the test provokes 401s on purpose. */
async function signedInOnLab() {
  const user = newUser()
  await backend.register(user)
  const session = await openSession(browser(), baseURL)
  session.expectFailedRequest(/status of 401/)
  const { page } = session
  await page.goto('/login?redirect=/lab')
  await signInThroughForm(page, user)
  await page.waitForURL(url => url.pathname === '/lab')
  await openLab(page)
  return { session, page }
}

async function jar(page: Page) {
  return Object.fromEntries((await page.context().cookies()).map(cookie => [cookie.name, cookie]))
}

describe('composables in the browser', () => {
  it('signUp signs in afterwards, and with preventLoginFlow (both argument forms, and null options) does not', async () => {
    const session = await openSession(browser(), baseURL)
    session.expectFailedRequest(/status of 409/)
    const { page } = session
    await openLab(page)

    // The incumbent's 1.x form: signUp(credentials, { preventLoginFlow: true }).
    const quiet = newUser()
    expect(await lab.signUp(page, quiet, { preventLoginFlow: true })).toMatchObject({ ok: true })
    // The 0.x form: signUp(credentials, signInOptions, { preventLoginFlow: true }).
    const quieter = newUser()
    expect(await lab.signUp(page, quieter, {}, { preventLoginFlow: true })).toMatchObject({ ok: true })
    // `null` for "no sign-in options" (JavaScript callers reaching the third argument).
    expect(await lab.signUp(page, newUser(), null, { preventLoginFlow: true })).toMatchObject({ ok: true })
    expect(await backend.count('POST /api/auth/register')).toBe(3)
    expect(await backend.count('POST /api/auth/login')).toBe(0)
    expect((await lab.state(page)).status).toBe('unauthenticated')
    expect((await jar(page))['auth.token']).toBeUndefined()

    const user = newUser()
    expect(await lab.signUp(page, user, { redirect: false })).toMatchObject({ ok: true })
    expect(await backend.count('POST /api/auth/login')).toBe(1)
    const state = await lab.state(page)
    expect(state).toMatchObject({ status: 'authenticated', email: user.email })
    expect(state.rawToken).toBe((await jar(page))['auth.token']?.value)
    expect((await lab.hooks(page)).signedIn).toBe(1)

    // A taken email: the backend's 409 comes back typed, and the signed-in session is untouched.
    expect(await lab.signUp(page, user)).toMatchObject({ ok: false, code: 'BAD_REQUEST', status: 409 })
    expect((await lab.state(page)).status).toBe('authenticated')
    await session.assertClean()
  })

  it('useAuthFetch: a 401 refreshes once and retries; auth:response and auth:refreshed fire', async () => {
    const { session, page } = await signedInOnLab()
    const before = await jar(page)
    await backend.reset()
    await backend.fault('/api/user/stats', '401-once')

    expect(await lab.authFetch(page, '/api/user/stats')).toMatchObject({ ok: true })
    expect(await backend.count('GET /api/user/stats')).toBe(2)
    expect(await backend.count('POST /api/auth/refresh')).toBe(1)
    const after = await jar(page)
    expect(after['auth.refresh-token']?.value).not.toBe(before['auth.refresh-token']?.value)
    const hooks = await lab.hooks(page)
    expect(hooks.refreshed).toBe(1)
    expect(hooks.responses).toContain('refresh:200')
    expect(hooks.signedOut).toEqual([])
    await session.assertClean()
  })

  it('useAuthFetch: a second 401 after a fresh refresh ends the session and tells the backend', async () => {
    const { session, page } = await signedInOnLab()
    const refreshToken = (await jar(page))['auth.refresh-token']!.value
    await backend.reset()
    await backend.fault('/api/user/stats', '401')

    expect(await lab.authFetch(page, '/api/user/stats')).toMatchObject({ ok: false, code: 'UNAUTHORIZED', status: 401 })
    expect(await backend.count('POST /api/auth/refresh')).toBe(1)
    expect(await backend.count('POST /api/auth/logout')).toBe(1)
    expect((await lab.hooks(page)).signedOut).toEqual(['session-refused'])
    expect((await lab.state(page)).status).toBe('unauthenticated')
    const cookies = await jar(page)
    expect(cookies['auth.token']).toBeUndefined()
    expect(cookies['auth.refresh-token']).toBeUndefined()
    // The backend revoked the family: the refresh token the tab held is worthless now.
    const replay = await fetch(`${baseURL}/api/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken }) })
    expect(replay.status).toBe(401)
    await session.assertClean()
  })

  it('useAuthFetch: five concurrent calls refused after one fresh refresh end the session once', async () => {
    const { session, page } = await signedInOnLab()
    await backend.reset()
    await backend.fault('/api/user/stats', '401')
    const outcomes = await page.evaluate(() => Promise.all(Array.from({ length: 5 }, () => (window as never as { __lab: { authFetch: (u: string) => Promise<{ ok: boolean, code?: string }> } }).__lab.authFetch('/api/user/stats'))))
    expect(outcomes.map(outcome => outcome.code)).toEqual(Array(5).fill('UNAUTHORIZED'))
    expect(await backend.count('POST /api/auth/refresh')).toBe(1)
    expect(await backend.count('POST /api/auth/logout')).toBe(1)
    // One ending: one hook call, one state change, one message to the other tabs.
    expect((await lab.hooks(page)).signedOut).toEqual(['session-refused'])
    expect((await lab.state(page)).status).toBe('unauthenticated')
    await session.assertClean()
  })

  it('rawRefreshToken follows the jar; setRefreshToken and assigning to it write the cookie at once', async () => {
    const session = await openSession(browser(), baseURL)
    // A refresh token alone is due for a refresh at once: the refresh endpoint fails (no verdict), so the
    // values set below stay in the jar instead of being spent and refused.
    session.expectFailedRequest(/status of 500/)
    await backend.fault('/api/auth/refresh', '500')
    const { page } = session
    await openLab(page)
    await page.evaluate(() => (window as never as { __lab: { setRefreshToken: (v: string) => void } }).__lab.setRefreshToken('set-by-setter'))
    // Synchronous: read in the same task, without waiting for a watcher.
    expect(await page.evaluate(() => document.cookie)).toContain('auth.refresh-token=set-by-setter')
    expect((await lab.state(page)).rawRefreshToken).toBe('set-by-setter')
    await page.evaluate(() => (window as never as { __lab: { assignRawRefreshToken: (v: string) => void } }).__lab.assignRawRefreshToken('assigned'))
    expect(await page.evaluate(() => document.cookie)).toContain('auth.refresh-token=assigned')
    // Written by someone else (another tab, the server): the view follows the jar.
    await page.evaluate(() => {
      document.cookie = 'auth.refresh-token=from-elsewhere; path=/'
    })
    await expect.poll(async () => (await lab.state(page)).rawRefreshToken).toBe('from-elsewhere')
    await session.assertClean()
  })
})

describe('cookie attributes, as the browser and the wire see them', () => {
  it('sign-in in the browser stores both cookies with the configured attributes', async () => {
    const user = newUser()
    await backend.register(user)
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await page.goto('/login')
    await signInThroughForm(page, user)
    await page.waitForURL(url => url.pathname === '/profile')
    const cookies = await jar(page)
    const now = Date.now() / 1000
    // playground/nuxt.config.ts: access cookie 30 min, refresh cookie 7 days, SameSite Lax, not Secure on http.
    expect(cookies['auth.token']).toMatchObject({ path: '/', sameSite: 'Lax', secure: false, httpOnly: false })
    expect(cookies['auth.token']!.expires).toBeGreaterThan(now + 1800 - 60)
    expect(cookies['auth.token']!.expires).toBeLessThanOrEqual(now + 1800 + 1)
    expect(cookies['auth.refresh-token']).toMatchObject({ path: '/', sameSite: 'Lax', secure: false, httpOnly: false })
    expect(cookies['auth.refresh-token']!.expires).toBeGreaterThan(now + 604800 - 60)
    await session.assertClean()
  })

  it('an SSR refresh answers with one Set-Cookie per cookie, carrying the configured attributes', async () => {
    const user = newUser()
    await backend.register(user)
    const login = await fetch(`${baseURL}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: user.email, password: user.password }) })
    const { refreshToken } = await login.json() as { refreshToken: string }
    // No access token at all: the server refreshes before it renders.
    const response = await fetch(`${baseURL}/profile`, { headers: { cookie: `auth.refresh-token=${refreshToken}` }, redirect: 'manual' })
    expect(response.status).toBe(200)
    const setCookies = response.headers.getSetCookie()
    const named = (name: string) => setCookies.filter(header => header.startsWith(`${name}=`))
    expect(named('auth.token')).toHaveLength(1)
    expect(named('auth.refresh-token')).toHaveLength(1)
    expect(named('auth.token')[0]).toMatch(/; Max-Age=1800; Path=\/; SameSite=Lax$/)
    expect(named('auth.refresh-token')[0]).toMatch(/; Max-Age=604800; Path=\/; SameSite=Lax$/)
    expect(named('auth.token')[0]).not.toMatch(/HttpOnly|Secure/)
  })
})
