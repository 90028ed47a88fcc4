import { decodeJwt } from 'jose'
import type { BrowserContext, Page } from 'playwright-core'
import { describe, expect, inject, it } from 'vitest'
import { Backend, expectTokenPagesWork, newUser, openSession, quietAfterIdle, text, useChromium, waitForHydration } from './helpers'
import { expiredCopy } from './tokens'

const baseURL = inject('refreshBaseURL')
const accessTtl = inject('refreshAccessTtl')
const backend = new Backend(baseURL)
const REFRESH = 'POST /api/auth/refresh'
const SESSION = 'GET /api/auth/session'
const browser = useChromium(backend)

interface Tokens { token: string, refreshToken: string }

/** What test/fixtures/refresh/app/plugins/hook-recorder.client.ts records. */
interface RecordedHooks { refreshed: number, errors: string[], signedOut: string[] }

async function recordedHooks(page: Page): Promise<RecordedHooks> {
  return await page.evaluate(() => (window as unknown as { __authHooks: RecordedHooks }).__authHooks)
}

async function signedIn() {
  const user = newUser()
  await backend.register(user)
  const response = await fetch(`${baseURL}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: user.email, password: user.password }) })
  expect(response.status).toBe(200)
  return { user, tokens: await response.json() as Tokens }
}

/** The same access token, but already expired: what a browser holds after a while away. */
const expired = (token: string) => expiredCopy(token, accessTtl)

async function setTokens(context: BrowserContext, tokens: Tokens) {
  await context.addCookies([
    { name: 'auth.token', value: tokens.token, url: baseURL },
    { name: 'auth.refresh-token', value: tokens.refreshToken, url: baseURL },
  ])
}

async function cookie(context: BrowserContext, name: string) {
  return (await context.cookies()).find(entry => entry.name === name)?.value
}

async function refreshStats(): Promise<{ refreshes: number, reuseDetections: number }> {
  return await (await fetch(`${baseURL}/api/_test/refresh-stats`)).json()
}

describe('refresh provider against a rotating, reuse-detecting backend', () => {
  it('a visit with the refresh cookie alone: the server refreshes before rendering, and hydration shows the same token', async () => {
    const { tokens } = await signedIn()
    const session = await openSession(browser(), baseURL)
    // The access cookie outlived by the refresh cookie (its maxAge passed): only the refresh token is sent.
    await session.context.addCookies([{ name: 'auth.refresh-token', value: tokens.refreshToken, url: baseURL }])
    const { page } = session
    await page.goto('/token-shown')
    expect(await text(page, 'token-shown')).toBe('token')
    await waitForHydration(page)
    expect(await text(page, 'token-shown')).toBe('token')
    expect(await backend.count(REFRESH)).toBe(1)
    // No "Hydration completed but contains mismatches".
    await session.assertClean()
  })

  it('with the refresh cookie alone and the refresh endpoint failing (502), nobody is signed out: the refresh token stays and works once the backend is back', async () => {
    const { user, tokens } = await signedIn()
    await backend.fault('/api/auth/refresh', '502')
    // The server: no verdict, so the guard sends to login, and neither cookie is touched.
    const render = await fetch(`${baseURL}/profile`, { headers: { cookie: `auth.refresh-token=${tokens.refreshToken}` }, redirect: 'manual' })
    expect(render.status).toBe(302)
    expect(new URL(render.headers.get('location')!, baseURL).pathname).toBe('/login')
    expect(render.headers.getSetCookie()).toEqual([])

    // The browser: the page's own checks fail the same way and keep the refresh cookie.
    const session = await openSession(browser(), baseURL)
    session.expectFailedRequest(/status of 502/)
    await session.context.addCookies([{ name: 'auth.refresh-token', value: tokens.refreshToken, url: baseURL }])
    const { page } = session
    await page.goto('/profile')
    await page.waitForURL(url => url.pathname === '/login')
    await waitForHydration(page)
    await page.waitForLoadState('networkidle')
    expect(await backend.count(REFRESH)).toBeGreaterThanOrEqual(2)
    expect(await cookie(session.context, 'auth.refresh-token')).toBe(tokens.refreshToken)
    expect(await text(page, 'status')).not.toMatch(/\bunauthenticated\b/)

    // The backend is back: the same refresh token signs the user in, with no reuse detected.
    await backend.fault('/api/auth/refresh', 'none')
    await page.goto('/profile')
    await expect.poll(() => text(page, 'session-email')).toBe(user.email)
    expect(await refreshStats()).toMatchObject({ reuseDetections: 0 })
    await session.assertClean()
  })

  it('refresh() after checks that reached no verdict resolves with the session it then finds, not null', async () => {
    const { user, tokens } = await signedIn()
    await backend.fault('/api/auth/refresh', '502')
    const session = await openSession(browser(), baseURL)
    session.expectFailedRequest(/status of 502/)
    await session.context.addCookies([{ name: 'auth.refresh-token', value: tokens.refreshToken, url: baseURL }])
    const { page } = session
    // A public page: the server's refresh failed (no verdict), and so does the browser's.
    await page.goto('/lab')
    await waitForHydration(page)
    await expect.poll(() => backend.count(REFRESH)).toBeGreaterThanOrEqual(2)
    expect(await text(page, 'lab-status')).toBe('loading')
    await backend.fault('/api/auth/refresh', 'none')
    const outcome = await page.evaluate(() => (window as never as { __lab: { refresh: () => Promise<{ ok: boolean, value?: { email?: string } }> } }).__lab.refresh())
    expect(outcome).toMatchObject({ ok: true, value: { email: user.email } })
    await expect.poll(() => text(page, 'lab-status')).toBe('authenticated')
    await session.assertClean()
  })

  it('a reload with an expired access token refreshes once on the server and sets both cookies', async () => {
    const { user, tokens } = await signedIn()
    const session = await openSession(browser(), baseURL)
    await setTokens(session.context, { ...tokens, token: await expired(tokens.token) })
    const { page } = session
    await page.goto('/profile')
    expect(new URL(page.url()).pathname).toBe('/profile')
    await expect.poll(() => text(page, 'session-email')).toBe(user.email)
    await waitForHydration(page)
    await quietAfterIdle(page)

    expect(await backend.count(REFRESH)).toBe(1)
    expect(await backend.count(SESSION)).toBe(1)
    const newRefreshToken = await cookie(session.context, 'auth.refresh-token')
    expect(newRefreshToken).toBeTruthy()
    expect(newRefreshToken).not.toBe(tokens.refreshToken)
    const newToken = await cookie(session.context, 'auth.token')
    expect(decodeJwt(newToken!).exp! * 1000).toBeGreaterThan(Date.now())
    expect((await refreshStats()).reuseDetections).toBe(0)
    await session.assertClean()
  })

  it('never refreshes a fresh access token during SSR', async () => {
    const { tokens } = await signedIn()
    await backend.reset()
    const response = await fetch(`${baseURL}/profile`, { headers: { cookie: `auth.token=${tokens.token}; auth.refresh-token=${tokens.refreshToken}` } })
    expect(response.status).toBe(200)
    expect(await backend.count(REFRESH)).toBe(0)
    expect(response.headers.getSetCookie().some(header => header.startsWith('auth.refresh-token='))).toBe(false)
  })

  it('two simultaneous SSR requests with the same expired token spend the refresh token once', async () => {
    const { user, tokens } = await signedIn()
    const cookieHeader = `auth.token=${await expired(tokens.token)}; auth.refresh-token=${tokens.refreshToken}`
    // The backend answers refreshes late, so the second render arrives while the first one's refresh is in
    // flight (as two tabs loading at once do); the server hands its result only to requests waiting on it.
    await backend.fault('/api/auth/refresh', 'slow')
    const [first, second] = await Promise.all([
      fetch(`${baseURL}/profile`, { headers: { cookie: cookieHeader }, redirect: 'manual' }),
      fetch(`${baseURL}/stats`, { headers: { cookie: cookieHeader }, redirect: 'manual' }),
    ])
    expect(first.status).toBe(200)
    expect(second.status).toBe(200)
    expect(await first.text()).toContain(user.email)
    expect(await second.text()).toContain(user.name)
    expect(await backend.count(REFRESH)).toBe(1)
    expect((await refreshStats()).reuseDetections).toBe(0)
  })

  it('a render whose visitor left before the answer (its connection closed while the server refreshed): the next load gets the rotated tokens, no reuse', async () => {
    const { user, tokens } = await signedIn()
    const cookieHeader = `auth.token=${await expired(tokens.token)}; auth.refresh-token=${tokens.refreshToken}`
    await backend.fault('/api/auth/refresh', 'slow')
    const leaving = new AbortController()
    const left = fetch(`${baseURL}/profile`, { headers: { cookie: cookieHeader }, signal: leaving.signal }).catch((error: Error) => error.name)
    // The refresh is on its way at the backend ('slow': 0.6 s) when the visitor goes; the server's goes through.
    // Asked often: the abort must come within the backend's 0.6 s.
    await expect.poll(() => backend.count(REFRESH), { interval: 10 }).toBe(1)
    leaving.abort()
    expect(await left).toBe('AbortError')
    await expect.poll(async () => (await refreshStats()).refreshes, { timeout: 5000 }).toBe(1)
    // The browser never got the successor: it still holds the spent pair, and comes back with it.
    const again = await fetch(`${baseURL}/profile`, { headers: { cookie: cookieHeader }, redirect: 'manual' })
    expect(again.status).toBe(200)
    expect(await again.text()).toContain(user.email)
    const rotated = again.headers.getSetCookie().find(header => header.startsWith('auth.refresh-token='))
    expect(rotated?.split(';')[0]).toMatch(/^auth\.refresh-token=.+/)
    expect(rotated).not.toContain(tokens.refreshToken)
    expect(await backend.count(REFRESH)).toBe(1)
    expect((await refreshStats()).reuseDetections).toBe(0)
  })

  it('20 concurrent API calls through useAuthFetch with an expired token: one refresh, 20 successes', async () => {
    const { tokens } = await signedIn()
    const session = await openSession(browser(), baseURL)
    await setTokens(session.context, tokens)
    const { page } = session
    await page.goto('/burst')
    await waitForHydration(page)
    await backend.reset()
    // The access token expires under the open page (as after a laptop sleep).
    const stale = await expired(tokens.token)
    await page.evaluate((value) => {
      document.cookie = `auth.token=${value}; path=/`
    }, stale)
    await page.getByTestId('burst').click()
    await expect.poll(() => text(page, 'burst-result')).toBe('20/20')
    expect(await backend.count(REFRESH)).toBe(1)
    expect((await recordedHooks(page)).refreshed).toBe(1)
    expect(await backend.count('GET /api/user/stats')).toBe(20)
    expect((await refreshStats()).reuseDetections).toBe(0)
    await session.assertClean()
  })

  it('three tabs across several expiries: one refresh per expiry in total, no reuse, nobody signed out', async () => {
    const { user, tokens } = await signedIn()
    const session = await openSession(browser(), baseURL)
    await setTokens(session.context, tokens)
    const tabs = [session.page, await session.context.newPage(), await session.context.newPage()]
    for (const tab of tabs) {
      await tab.goto('/tokens')
      await waitForHydration(tab)
    }
    await backend.reset()
    const started = Date.now()
    // Switch focus between the tabs for a few token lifetimes.
    for (let round = 0; round < 9; round++) {
      await tabs[round % 3]!.bringToFront()
      await tabs[round % 3]!.waitForTimeout(1500)
    }
    const elapsed = (Date.now() - started) / 1000
    // Both counts at one moment: the tabs go on refreshing.
    const counters = await backend.counters()
    const refreshes = counters[REFRESH] ?? 0
    // Each token is refreshed a third of its lifetime early: about one refresh per (2/3 · TTL) seconds.
    const expected = elapsed / (accessTtl * 2 / 3)
    expect(refreshes).toBeGreaterThanOrEqual(Math.floor(expected) - 1)
    expect(refreshes).toBeLessThanOrEqual(Math.ceil(expected) + 1)
    // One request from the browser per rotation: the tab lock left the other tabs nothing to send. (Tabs asking at
    // once would be joined by the refresh route, so the backend's count alone could not tell.) One may be on its way
    // to the backend at that moment; without the lock there were two more per rotation.
    expect((counters['POST /api/_auth/refresh'] ?? 0) - refreshes).toBeGreaterThanOrEqual(0)
    expect((counters['POST /api/_auth/refresh'] ?? 0) - refreshes).toBeLessThanOrEqual(1)
    expect((await refreshStats()).reuseDetections).toBe(0)
    for (const tab of tabs) {
      expect(await text(tab, 'status')).toBe('authenticated')
      expect(new URL(tab.url()).pathname).toBe('/tokens')
    }
    await tabs[0]!.reload()
    await expect.poll(() => text(tabs[0]!, 'user-name')).toBe(user.name)
    await session.assertClean()
  })

  it('the playground\'s Stats and Tokens pages: the user, the token\'s expiry, and "Refresh now" counted by the backend', async () => {
    const { user, tokens } = await signedIn()
    const { page, context, assertClean } = await openSession(browser(), baseURL)
    await setTokens(context, tokens)
    await expectTokenPagesWork(page, user, accessTtl, 'yes')
    await assertClean()
  })

  it('client-side navigations between protected pages add no cookie listener (the incumbent adds one per token and navigation)', async () => {
    const { user, tokens } = await signedIn()
    const { page, context, assertClean } = await openSession(browser(), baseURL)
    await setTokens(context, tokens)
    await page.goto('/profile')
    await waitForHydration(page)
    await expect.poll(() => text(page, 'session-email')).toBe(user.email)
    const devtools = await context.newCDPSession(page)
    const cookieListeners = async () => {
      const { result } = await devtools.send('Runtime.evaluate', { expression: 'globalThis.cookieStore' })
      expect(result.objectId, 'Chromium has cookieStore').toBeTruthy()
      return (await devtools.send('DOMDebugger.getEventListeners', { objectId: result.objectId! })).listeners.length
    }
    const before = await cookieListeners()
    // The token store's own listener, one per app.
    expect(before).toBe(1)
    // Through the playground's own links, as a user navigates.
    const nav = page.getByRole('navigation', { name: 'Main' })
    for (let index = 0; index < 10; index++) {
      const [name, path] = index % 2 ? ['Profile', '/profile'] : ['Tokens', '/tokens']
      await nav.getByRole('link', { name, exact: true }).click()
      await page.waitForURL(url => url.pathname === path)
    }
    expect(await text(page, 'status')).toBe('authenticated')
    expect(await cookieListeners()).toBe(before)
    await assertClean()
  })

  it('a refused refresh signs out, sends to login, and brings the user back after signing in', async () => {
    const { user, tokens } = await signedIn()
    const session = await openSession(browser(), baseURL)
    session.expectFailedRequest(/status of 401/)
    await setTokens(session.context, { token: await expired(tokens.token), refreshToken: 'spent-or-forged' })
    const { page } = session
    await page.goto('/profile')
    await page.waitForURL(url => url.pathname === '/login')
    expect(new URL(page.url()).searchParams.get('redirect')).toBe('/profile')
    expect(await cookie(session.context, 'auth.token')).toBeUndefined()
    expect(await cookie(session.context, 'auth.refresh-token')).toBeUndefined()

    await waitForHydration(page)
    await page.getByTestId('email').fill(user.email)
    await page.getByTestId('password').fill(user.password)
    await page.getByTestId('submit').click()
    await page.waitForURL(url => url.pathname === '/profile')
    await expect.poll(() => text(page, 'session-email')).toBe(user.email)
    await session.assertClean()
  })

  it('a rate-limited refresh waits as long as the backend\'s Retry-After says (not the backoff\'s 1, 2, 4 s), and nobody is signed out', async () => {
    const { tokens } = await signedIn()
    // 429 with Retry-After: 30 (the fixture's injected rate limit).
    await backend.fault('/api/auth/refresh', '429')
    const session = await openSession(browser(), baseURL)
    session.expectFailedRequest(/status of 429/)
    await setTokens(session.context, tokens)
    const { page } = session
    await page.goto('/profile')
    await waitForHydration(page)
    // Due two thirds into the token's life; it goes through the refresh route, which passes the header on.
    await expect.poll(() => backend.count(REFRESH), { timeout: 10_000 }).toBe(1)
    await page.waitForTimeout(5000)
    // The tab's own wait: it asked the refresh route once (the server would answer a second ask itself, see below).
    expect(await backend.count('POST /api/_auth/refresh')).toBe(1)
    expect(await backend.count(REFRESH)).toBe(1)
    expect((await recordedHooks(page)).errors).toEqual(['refresh:RATE_LIMITED'])
    expect((await recordedHooks(page)).signedOut).toEqual([])
    expect(await text(page, 'status')).toBe('authenticated')
    expect(await cookie(session.context, 'auth.refresh-token')).toBe(tokens.refreshToken)
    await session.assertClean()
  })

  it('signing out revokes the refresh token at the backend', async () => {
    const { tokens } = await signedIn()
    const session = await openSession(browser(), baseURL)
    await setTokens(session.context, tokens)
    const { page } = session
    await page.goto('/profile')
    await waitForHydration(page)
    const held = await cookie(session.context, 'auth.refresh-token')
    await page.getByTestId('sign-out').click()
    await page.waitForURL(url => url.pathname === '/login')
    expect(await cookie(session.context, 'auth.refresh-token')).toBeUndefined()
    const reuse = await fetch(`${baseURL}/api/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: held }) })
    expect(reuse.status).toBe(401)
    await session.assertClean()
  })

  it.each(['500', 'refuse'])('the refresh endpoint down (%s): nobody signed out, recovers when it is back', async (mode) => {
    const { tokens } = await signedIn()
    const session = await openSession(browser(), baseURL)
    session.expectFailedRequest(/status of (500|401)|ERR_EMPTY_RESPONSE|ERR_CONNECTION/)
    await backend.fault('/api/auth/refresh', mode)
    await setTokens(session.context, { ...tokens, token: await expired(tokens.token) })
    const { page } = session
    await page.goto('/profile')
    await waitForHydration(page)
    // Waited for by the browser's report of its own failed attempt, not by network idle: on a busy machine the
    // page's script can be quiet for longer than idle's 500 ms before that request (a failure in a CI run on a
    // loaded machine, reproduced with the browser's CPU throttled tenfold).
    await expect.poll(async () => (await recordedHooks(page)).errors.some(entry => entry.startsWith('refresh:')), { timeout: 15_000 }).toBe(true)
    // No verdict: the protected page is not shown on a guess; the login page with the target instead, and
    // both tokens kept (nobody is signed out), by the server's render and by the browser's attempt alike.
    expect(new URL(page.url()).pathname).toBe('/login')
    expect(new URL(page.url()).searchParams.get('redirect')).toBe('/profile')
    expect(await cookie(session.context, 'auth.refresh-token')).toBe(tokens.refreshToken)
    expect(await backend.count(REFRESH)).toBeGreaterThanOrEqual(1)
    expect((await recordedHooks(page)).signedOut).toEqual([])

    await backend.fault('/api/auth/refresh', 'none')
    // The backoff retry notices the recovery by itself, and the login page sends the user back.
    await expect.poll(() => text(page, 'status'), { timeout: 15_000 }).toBe('authenticated')
    await page.waitForURL(url => url.pathname === '/profile')
    expect((await recordedHooks(page)).refreshed).toBeGreaterThanOrEqual(1)
    expect(await cookie(session.context, 'auth.refresh-token')).not.toBe(tokens.refreshToken)
    expect((await refreshStats()).reuseDetections).toBe(0)
    await session.assertClean()
  })
})

describe('a server render that refreshes: its answer carries the visitor\'s new token cookies', () => {
  const rendered = async (path: string, tokens: Tokens) => await fetch(`${baseURL}${path}`, { headers: { cookie: `auth.token=${await expired(tokens.token)}; auth.refresh-token=${tokens.refreshToken}` } })
  const rotated = (response: Response) => response.headers.getSetCookie().filter(header => /^auth\.(?:token|refresh-token)=[^;]/.test(header)).length

  it('is private, no-store over the app\'s own public Cache-Control for that page (a route rule)', async () => {
    const { tokens } = await signedIn()
    const response = await rendered('/public-cache', tokens)
    expect(rotated(response)).toBe(2)
    // No cookie deleted: the expired token was read as a token (a deletion alone marks the answer private).
    expect(response.headers.getSetCookie().filter(header => /^auth\.(?:token|refresh-token)=(?:;|$)/.test(header))).toEqual([])
    expect(response.headers.get('cache-control')).toBe('private, no-store')
    // Without a refresh the app's own header stands (the page holds a session, but the app said so for it).
    const fresh = await fetch(`${baseURL}/public-cache`, { headers: { cookie: `auth.token=${tokens.token}; auth.refresh-token=${tokens.refreshToken}` } })
    expect(rotated(fresh)).toBe(0)
    expect(fresh.headers.get('cache-control')).toBe('public, max-age=60')
  })
})

describe('the refresh route (/api/_auth/refresh): the browser refreshes through the app\'s server', () => {
  const ROUTE = `${baseURL}/api/_auth/refresh`
  const sameOrigin = { 'content-type': 'application/json', 'origin': baseURL }
  const setCookies = (response: Response) => Object.fromEntries(response.headers.getSetCookie().map(header => [header.split('=')[0], header]))

  it('spends the refresh cookie once and sets both rotated cookies, with the configured attributes', async () => {
    const { tokens } = await signedIn()
    const response = await fetch(ROUTE, { method: 'POST', headers: { ...sameOrigin, cookie: `auth.token=${tokens.token}; auth.refresh-token=${tokens.refreshToken}` }, body: '{}' })
    expect(response.status).toBe(200)
    const body = await response.text()
    const cookies = setCookies(response)
    const rotated = cookies['auth.refresh-token']!.split(';')[0]!.split('=')[1]!
    expect(rotated).not.toBe(tokens.refreshToken)
    // Tokens travel in Set-Cookie only, never in the body.
    expect(body).not.toContain(rotated)
    expect(cookies['auth.token']).toMatch(/; Path=\/;.*SameSite=Lax/i)
    expect(cookies['auth.token']).not.toMatch(/HttpOnly/i)
    expect(cookies['auth.refresh-token']).toMatch(/Max-Age=\d+/)
    expect(await backend.count(REFRESH)).toBe(1)
  })

  it('two calls presenting the same pair while the first is in flight share one backend refresh', async () => {
    const { tokens } = await signedIn()
    await backend.fault('/api/auth/refresh', 'slow')
    const call = () => fetch(ROUTE, { method: 'POST', headers: { ...sameOrigin, cookie: `auth.token=${tokens.token}; auth.refresh-token=${tokens.refreshToken}` }, body: '{}' })
    const [first, second] = await Promise.all([call(), call()])
    expect([first.status, second.status]).toEqual([200, 200])
    expect(setCookies(first)['auth.refresh-token']).toBe(setCookies(second)['auth.refresh-token'])
    expect(await backend.count(REFRESH)).toBe(1)
    expect((await refreshStats()).reuseDetections).toBe(0)
  })

  it('a refresh whose answer never arrived (the browser stopped waiting, the network dropped): the same pair presented again gets the successor, no reuse', async () => {
    const { tokens } = await signedIn()
    await backend.fault('/api/auth/refresh', 'slow')
    const call = (signal?: AbortSignal) => fetch(ROUTE, { method: 'POST', signal, headers: { ...sameOrigin, cookie: `auth.token=${tokens.token}; auth.refresh-token=${tokens.refreshToken}` }, body: '{}' })
    const givingUp = new AbortController()
    const gaveUp = call(givingUp.signal).catch((error: Error) => error.name)
    await expect.poll(() => backend.count(REFRESH), { interval: 10 }).toBe(1)
    givingUp.abort()
    expect(await gaveUp).toBe('AbortError')
    // The server's refresh goes through (0.6 s): the backend has spent the refresh token the browser still holds.
    await expect.poll(async () => (await refreshStats()).refreshes, { timeout: 5000 }).toBe(1)
    const retry = await call()
    expect(retry.status).toBe(200)
    const rotated = setCookies(retry)['auth.refresh-token']!.split(';')[0]!.split('=')[1]!
    expect(rotated).not.toBe(tokens.refreshToken)
    expect(await backend.count(REFRESH)).toBe(1)
    expect((await refreshStats()).reuseDetections).toBe(0)
    // The successor works: the backend takes it (a spent one would be refused, and revoke the family).
    await backend.fault('/api/auth/refresh', 'none')
    const next = await fetch(ROUTE, { method: 'POST', headers: { ...sameOrigin, cookie: `auth.token=${setCookies(retry)['auth.token']!.split(';')[0]!.split('=')[1]}; auth.refresh-token=${rotated}` }, body: '{}' })
    expect(next.status).toBe(200)
    expect((await refreshStats()).reuseDetections).toBe(0)
  })

  it('a refused refresh token answers 401 REFRESH_REFUSED and leaves the cookies to the browser', async () => {
    const response = await fetch(ROUTE, { method: 'POST', headers: { ...sameOrigin, cookie: 'auth.refresh-token=not-a-refresh-token' }, body: '{}' })
    expect(response.status).toBe(401)
    expect((await response.json()).data.authError.code).toBe('REFRESH_REFUSED')
    expect(response.headers.getSetCookie()).toEqual([])
  })

  it('a rate-limited refresh answers 429 RATE_LIMITED with the backend\'s Retry-After and leaves the cookies alone', async () => {
    const { tokens } = await signedIn()
    await backend.fault('/api/auth/refresh', '429')
    const response = await fetch(ROUTE, { method: 'POST', headers: { ...sameOrigin, cookie: `auth.token=${tokens.token}; auth.refresh-token=${tokens.refreshToken}` }, body: '{}' })
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('30')
    expect(response.headers.get('cache-control')).toBe('private, no-store')
    expect((await response.json()).data.authError.code).toBe('RATE_LIMITED')
    expect(response.headers.getSetCookie()).toEqual([])
    // Asked again within the wait (a reload, another tab): the same refusal with the time left, not another backend call.
    const again = await fetch(ROUTE, { method: 'POST', headers: { ...sameOrigin, cookie: `auth.token=${tokens.token}; auth.refresh-token=${tokens.refreshToken}` }, body: '{}' })
    expect(again.status).toBe(429)
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(20)
    expect(Number(again.headers.get('retry-after'))).toBeLessThanOrEqual(30)
    expect((await again.json()).data.authError.code).toBe('RATE_LIMITED')
    expect(await backend.count(REFRESH)).toBe(1)
  })

  it('refuses cross-site and form posts (CSRF) without calling the backend', async () => {
    const { tokens } = await signedIn()
    const cookie = `auth.token=${tokens.token}; auth.refresh-token=${tokens.refreshToken}`
    const crossSite = await fetch(ROUTE, { method: 'POST', headers: { 'content-type': 'application/json', 'origin': 'https://evil.example', cookie }, body: '{}' })
    const form = await fetch(ROUTE, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'origin': baseURL, cookie }, body: 'a=1' })
    expect([crossSite.status, form.status]).toEqual([403, 403])
    expect(await backend.count(REFRESH)).toBe(0)
  })
})
