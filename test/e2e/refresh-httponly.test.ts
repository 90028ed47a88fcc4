import type { BrowserContext, Page } from 'playwright-core'
import { once } from 'node:events'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Backend, expectTokenPagesWork, newUser, openSession, quietAfterIdle, signInThroughForm, text, useChromium, waitForHydration } from './helpers'
import { rawStatus, serveBuilt, settledOutput } from './serve'
import { expiredCopy, nearlyExpiredCopy } from './tokens'

// httpOnly cookies with refresh tokens (test/fixtures/refresh-httponly): page scripts never see a token; the
// server refreshes when the access token is due, once per browser, and sets both cookies HttpOnly.
const baseURL = inject('refreshHttpOnlyBaseURL')
const accessTtl = inject('refreshAccessTtl')
const backend = new Backend(baseURL)
const browser = useChromium(backend)
const REFRESH = 'POST /api/auth/refresh'

async function reuseDetections(): Promise<number> {
  return (await (await fetch(`${baseURL}/api/_test/refresh-stats`)).json()).reuseDetections
}

async function tokenCookies(context: BrowserContext) {
  const cookies = await context.cookies()
  return { token: cookies.find(cookie => cookie.name === 'auth.token'), refreshToken: cookies.find(cookie => cookie.name === 'auth.refresh-token') }
}

/** Replaces the access cookie with an expired copy of itself: the browser after a while away. */
async function expireAccessToken(context: BrowserContext) {
  const { token } = await tokenCookies(context)
  expect(token).toBeDefined()
  await context.addCookies([{ ...token!, value: await expiredCopy(token!.value, accessTtl) }])
}

const tokenCookiesOf = (response: Response) => response.headers.getSetCookie().filter(line => /^auth\.(?:token|refresh-token)=/.test(line)).map(line => line.split(';')[0]!)

/** Signed in through the relay route, as the browser's strategy does: the `Cookie` header value and the access token. */
async function signedInCookie() {
  const user = newUser()
  await backend.register(user)
  const answer = await fetch(`${baseURL}/api/_auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json', 'origin': baseURL }, body: JSON.stringify({ credentials: { email: user.email, password: user.password } }) })
  expect(answer.status).toBe(200)
  const cookie = tokenCookiesOf(answer)
  expect(cookie).toHaveLength(2)
  return { user, cookie: cookie.join('; '), token: cookie.find(pair => pair.startsWith('auth.token='))!.slice('auth.token='.length) }
}

async function signedIn(path = '/profile') {
  const user = newUser()
  await backend.register(user)
  const session = await openSession(browser(), baseURL)
  await session.page.goto(`/login?redirect=${path}`)
  await signInThroughForm(session.page, user)
  await session.page.waitForURL(url => url.pathname === path)
  return { ...session, user }
}

describe('httpOnly cookies with refresh tokens', () => {
  it('a sign-up answer that carries tokens reaches the page without them', async () => {
    // A backend whose sign-up signs in: tokens where its sign-in answer has them (the fixture's pointers).
    await backend.fault('/api/auth/register', 'with-tokens')
    const answer = await fetch(`${baseURL}/api/_auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'origin': baseURL },
      body: JSON.stringify({ credentials: newUser() }),
    })
    expect(answer.status).toBe(200)
    const text = await answer.text()
    expect(JSON.parse(text)).toEqual({ response: { user: { name: 'Signed Up' } } })
    expect(text).not.toContain('from-sign-up')
    expect(answer.headers.get('set-cookie')).toBeNull()
  })

  it('both cookies HttpOnly; no token in document.cookie, the HTML or the payload; a reload with an expired token refreshes once on the server', async () => {
    const { page, context, user, assertClean } = await signedIn()
    await expect.poll(() => text(page, 'session-email')).toBe(user.email)
    const signedInCookies = await tokenCookies(context)
    expect(signedInCookies.token).toMatchObject({ httpOnly: true, sameSite: 'Lax' })
    expect(signedInCookies.refreshToken).toMatchObject({ httpOnly: true, sameSite: 'Lax' })
    expect(await page.evaluate(() => document.cookie)).not.toMatch(/auth\./)

    await expireAccessToken(context)
    const expired = (await tokenCookies(context)).token!.value
    await backend.reset()
    await page.reload()
    await waitForHydration(page)
    await expect.poll(() => text(page, 'session-email')).toBe(user.email)
    await quietAfterIdle(page)
    expect(await backend.count(REFRESH)).toBe(1)
    const renewed = await tokenCookies(context)
    expect(renewed.token!.value).not.toBe(expired)
    expect(renewed.refreshToken!.value).not.toBe(signedInCookies.refreshToken!.value)
    const html = await page.content()
    const served = await (await page.request.get('/profile')).text()
    for (const value of [renewed.token!.value, renewed.refreshToken!.value, expired, signedInCookies.refreshToken!.value]) {
      expect(html).not.toContain(value)
      expect(served).not.toContain(value)
    }
    expect(await page.evaluate(() => document.cookie)).not.toMatch(/auth\./)
    // The composables see no token either (test/fixtures/local/app/pages/lab.vue puts them on window).
    await page.goto('/lab')
    await waitForHydration(page)
    expect(await page.evaluate(() => (window as unknown as { __lab: { state: () => unknown } }).__lab.state())).toEqual({ status: 'authenticated', email: user.email, rawToken: null, rawRefreshToken: null })
    expect(await reuseDetections()).toBe(0)
    await assertClean()
  })

  it('the playground\'s Stats and Tokens pages work without a readable token: their routes read it on the server', async () => {
    const { page, user, assertClean } = await signedIn()
    await expectTokenPagesWork(page, user, accessTtl, 'in an httpOnly cookie')
    expect(await reuseDetections()).toBe(0)
    await assertClean()
  })

  it('signOut() while a refresh is on its way ends signed out: the refresh lands first, the sign-out ends its successor', async () => {
    const { page, context, assertClean } = await signedIn()
    await waitForHydration(page)
    // The relay spends the refresh token at once, but its answer (the rotated cookies) reaches the browser 1 s later
    // (within the fixture's requestTimeout of 1.5 s).
    await backend.control({ lateAnswerMs: 1000 })
    await backend.fault('/api/_auth/refresh', 'late-answer')
    // A backend whose sign-out ends nothing on its side (this one's would revoke the whole token family, and hide it).
    await backend.fault('/api/auth/logout', 'stateless')
    type Manager = { refresh(): Promise<unknown>, signOut(options: { redirect: false }): Promise<unknown> }
    const refreshesBefore = await backend.count(REFRESH)
    await page.evaluate(() => {
      const app = (document.querySelector('#__nuxt') as unknown as { __vue_app__: { config: { globalProperties: { $nuxt: { $gatekeeper: Manager } } } } }).__vue_app__
      ;(window as unknown as { __refreshing: Promise<unknown> }).__refreshing = app.config.globalProperties.$nuxt.$gatekeeper.refresh()
    })
    // Signed out once the relay has spent the pair at the backend (its answer is on its way for another second).
    await expect.poll(() => backend.count(REFRESH), { interval: 20 }).toBe(refreshesBefore + 1)
    await page.evaluate(async () => {
      const app = (document.querySelector('#__nuxt') as unknown as { __vue_app__: { config: { globalProperties: { $nuxt: { $gatekeeper: Manager } } } } }).__vue_app__
      await app.config.globalProperties.$nuxt.$gatekeeper.signOut({ redirect: false })
      await (window as unknown as { __refreshing: Promise<unknown> }).__refreshing
    })
    // Before: the sign-out did not wait for the refresh, and its late answer set the rotated cookies again after the
    // sign-out had cleared them: a reload was signed in.
    expect(await tokenCookies(context)).toEqual({ token: undefined, refreshToken: undefined })
    await page.goto('/profile')
    await page.waitForURL(url => url.pathname === '/login')
    await assertClean()
  })

  it('a sign-out in another tab while a refresh is on its way on the server ends signed out: the refresh does not set its successor', async () => {
    const { page, context, expectFailedRequest, assertClean } = await signedIn()
    await waitForHydration(page)
    const refreshingTab = await context.newPage()
    await refreshingTab.goto('/lab')
    await waitForHydration(refreshingTab)
    // The backend's refresh answers 600 ms late, so the other tab's sign-out reaches the server while the refresh
    // is in flight there (httpOnly cookies: no browser lock can hold either request back).
    await backend.fault('/api/auth/refresh', 'slow')
    // A backend whose sign-out ends nothing on its side (this one's would revoke the whole token family, and hide it).
    await backend.fault('/api/auth/logout', 'stateless')
    expectFailedRequest(/\/api\/_auth\/refresh/)
    const refreshesBefore = await backend.count(REFRESH)
    const refreshing = refreshingTab.evaluate(() => (window as unknown as { __lab: { refresh: () => Promise<{ ok: boolean, code?: string }> } }).__lab.refresh())
    // Signed out once the refresh has reached the backend, which answers it 600 ms later.
    await expect.poll(() => backend.count(REFRESH), { interval: 20 }).toBe(refreshesBefore + 1)
    await page.evaluate(async () => {
      const app = (document.querySelector('#__nuxt') as unknown as { __vue_app__: { config: { globalProperties: { $nuxt: { $gatekeeper: { signOut(options: { redirect: false }): Promise<unknown> } } } } } }).__vue_app__
      await app.config.globalProperties.$nuxt.$gatekeeper.signOut({ redirect: false })
    })
    const outcome = await refreshing
    // Before: the refresh's answer came after the sign-out's and set the rotated cookies again: a reload was signed in.
    expect(await tokenCookies(context)).toEqual({ token: undefined, refreshToken: undefined })
    // The refresh spent its pair, but the sign-out ended it meanwhile: a verdict for the tab that asked.
    expect(outcome).toMatchObject({ ok: false, code: 'REFRESH_REFUSED' })
    await page.goto('/profile')
    await page.waitForURL(url => url.pathname === '/login')
    await expect.poll(() => text(refreshingTab, 'lab-status')).toBe('unauthenticated')
    await assertClean()
  })

  it('a sign-in as someone else in one tab while another tab\'s refresh of the previous tokens is on its way: the browser ends as the new user', async () => {
    const { page, context, expectFailedRequest, assertClean } = await signedIn()
    await waitForHydration(page)
    const refreshingTab = await context.newPage()
    await refreshingTab.goto('/lab')
    await waitForHydration(refreshingTab)
    const next = newUser()
    await backend.register(next)
    // The backend's refresh answers 600 ms late, so the sign-in reaches the server and is answered meanwhile.
    await backend.fault('/api/auth/refresh', 'slow')
    expectFailedRequest(/\/api\/_auth\/refresh/)
    const refreshesBefore = await backend.count(REFRESH)
    const refreshing = refreshingTab.evaluate(() => (window as unknown as { __lab: { refresh: () => Promise<{ ok: boolean, value?: { email?: string }, code?: string }> } }).__lab.refresh())
    await expect.poll(() => backend.count(REFRESH), { interval: 20 }).toBe(refreshesBefore + 1)
    await page.evaluate(async (credentials) => {
      const app = (document.querySelector('#__nuxt') as unknown as { __vue_app__: { config: { globalProperties: { $nuxt: { $gatekeeper: { signIn(credentials: unknown, options: { redirect: false }): Promise<unknown> } } } } } }).__vue_app__
      await app.config.globalProperties.$nuxt.$gatekeeper.signIn(credentials, { redirect: false })
    }, { email: next.email, password: next.password })
    // The refresh was superseded: no verdict, and the tab that asked has the session its cookies hold now.
    expect(await refreshing).toMatchObject({ ok: true, value: { email: next.email } })
    // Before: the refresh's answer came after the sign-in's and set the previous user's successor: the browser was
    // signed in as the previous user again.
    const { token } = await tokenCookies(context)
    const holder = await (await fetch(`${baseURL}/api/auth/session`, { headers: { authorization: `Bearer ${token!.value}` } })).json() as { email?: string }
    expect(holder.email).toBe(next.email)
    await expect.poll(() => refreshingTab.evaluate(() => (window as unknown as { __lab: { state: () => { email: string | null } } }).__lab.state().email)).toBe(next.email)
    await page.goto('/profile')
    await expect.poll(() => text(page, 'session-email')).toBe(next.email)
    await assertClean()
  })

  describe('the relay routes: a sign-out ends the refresh of its tokens', () => {
    const post = (path: string, cookie: string) => fetch(`${baseURL}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'origin': baseURL, cookie }, body: '{}' })

    it('a sign-out arriving while the refresh is at the backend: the refresh sets nothing, and the backend hears the sign-out of the successor', async () => {
      const { cookie, token } = await signedInCookie()
      await backend.fault('/api/auth/refresh', 'slow')
      const refreshesBefore = await backend.count(REFRESH)
      const refreshing = post('/api/_auth/refresh', cookie)
      await expect.poll(() => backend.count(REFRESH), { interval: 20 }).toBe(refreshesBefore + 1)
      const signOut = await post('/api/_auth/signout', cookie)
      const refresh = await refreshing
      expect(signOut.status).toBe(200)
      expect(tokenCookiesOf(signOut)).toEqual(['auth.token=', 'auth.refresh-token='])
      expect(refresh.status).toBe(401)
      expect((await refresh.json()).data.authError.code).toBe('REFRESH_REFUSED')
      expect(tokenCookiesOf(refresh)).toEqual([])
      // The sign-out the backend heard was the successor's (the tokens the browser would have had), and it is over.
      const heard = (await (await fetch(`${baseURL}/api/_test/last-headers`)).json())['POST /api/auth/logout'].authorization as string
      expect(heard).toMatch(/^Bearer /)
      expect(heard).not.toBe(`Bearer ${token}`)
      expect((await fetch(`${baseURL}/api/auth/session`, { headers: { authorization: heard } })).status).toBe(401)
    })

    it('a sign-in as someone else while the refresh of the previous tokens is at the backend: that refresh and a session check joining it set nothing (SUPERSEDED, no verdict)', async () => {
      const previous = await signedInCookie()
      const next = newUser()
      await backend.register(next)
      // An access token past its expiry: the session check refreshes first, joining the refresh route's refresh.
      const expired = previous.cookie.replace(`auth.token=${previous.token}`, `auth.token=${await expiredCopy(previous.token, accessTtl)}`)
      await backend.fault('/api/auth/refresh', 'slow')
      const refreshesBefore = await backend.count(REFRESH)
      const refreshing = post('/api/_auth/refresh', expired)
      const checking = fetch(`${baseURL}/api/_auth/session`, { headers: { cookie: expired } })
      // A reload of another tab: its server render refreshes too.
      const rendering = fetch(`${baseURL}/lab`, { headers: { cookie: expired }, redirect: 'manual' })
      await expect.poll(() => backend.count(REFRESH), { interval: 20 }).toBe(refreshesBefore + 1)
      const signIn = await fetch(`${baseURL}/api/_auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json', 'origin': baseURL, 'cookie': expired }, body: JSON.stringify({ credentials: { email: next.email, password: next.password } }) })
      expect(signIn.status).toBe(200)
      expect(tokenCookiesOf(signIn)).toHaveLength(2)
      const [refresh, check] = await Promise.all([refreshing, checking])
      // Before: 200 with the previous user's successor cookies, and the check answered the previous user's session.
      for (const answer of [refresh, check]) {
        expect(answer.status).toBe(409)
        expect((await answer.json()).data.authError.code).toBe('SUPERSEDED')
        expect(tokenCookiesOf(answer)).toEqual([])
      }
      // The render (a public page) shows nobody's session and sets nothing: the browser's own check asks with the new cookies.
      const render = await rendering
      expect(tokenCookiesOf(render)).toEqual([])
      const html = await render.text()
      const sent = /<script type="application\/json" id="[^"]*-gatekeeper-state">([^<]*)<\/script>/.exec(html)
      // The encoding's first and third fields (app/state.ts): no verdict, the failure that stopped the check. Before the
      // check gave up there, the render concluded "signed out" from the tokens it no longer held.
      expect((JSON.parse(sent![1]!) as unknown[]).slice(0, 3)).toEqual(['unknown', null, 'SUPERSEDED'])
      expect(html).not.toContain(previous.user.email)
      expect(await backend.count(REFRESH)).toBe(refreshesBefore + 1)
    })

    it('a request with the spent tokens, queued in the browser past a sign-out with their successor, does not get the successor back', async () => {
      const { cookie } = await signedInCookie()
      // A backend whose sign-out ends nothing on its side: only the app server can refuse the successor here.
      await backend.fault('/api/auth/logout', 'stateless')
      const refresh = await post('/api/_auth/refresh', cookie)
      expect(refresh.status).toBe(200)
      const successor = tokenCookiesOf(refresh).join('; ')
      expect((await post('/api/_auth/signout', successor)).status).toBe(200)
      // Within the 10 s in which a spent pair still gets its successor (httpOnly cookies, see refresh-dedupe.ts).
      const late = await post('/api/_auth/refresh', cookie)
      expect(late.status).toBe(401)
      expect(tokenCookiesOf(late)).toEqual([])
    })
  })

  it('twenty concurrent API calls after expiry make one refresh, and all succeed', async () => {
    const { page, context, user, assertClean } = await signedIn()
    await waitForHydration(page)
    await expireAccessToken(context)
    const reusesBefore = await reuseDetections()
    await backend.reset()
    // The app's own route: requireServerSession renews the due token itself (the browser cannot).
    const results = await page.evaluate(() => Promise.all(Array.from({ length: 20 }, () => fetch('/api/_test/whoami').then(async response => ({ status: response.status, body: await response.json() })))))
    expect(results.map(result => result.status)).toEqual(Array.from({ length: 20 }, () => 200))
    expect(results.every(result => result.body.email === user.email)).toBe(true)
    expect(await backend.count(REFRESH)).toBe(1)
    expect(await reuseDetections()).toBe(reusesBefore)
    await assertClean()
  })

  it('three tabs across an expiry: everyone stays signed in, no refresh token is spent twice', async () => {
    const { page, context, user, assertClean } = await signedIn('/profile')
    const tabs: Page[] = []
    for (let index = 0; index < 3; index++) {
      const tab = await context.newPage()
      await tab.goto('/lab')
      await waitForHydration(tab)
      tabs.push(tab)
    }
    const reusesBefore = await reuseDetections()
    await expireAccessToken(context)
    await backend.reset()
    // The backend's refresh answers 600 ms late, so the three tabs' requests overlap it as on a real network. Without
    // that, a tab whose call starts after the first refresh has answered renews again, as an explicit refresh() asks.
    await backend.fault('/api/auth/refresh', 'slow')
    // Every tab asks at once (refresh() renews through the server's refresh route, which joins the requests that
    // carry the same pair), then each reloads, and the first tab loads a protected page.
    const outcomes = await Promise.all(tabs.map(tab => tab.evaluate(() => (window as unknown as { __lab: { refresh: () => Promise<{ ok: boolean }> } }).__lab.refresh())))
    expect(outcomes.every(outcome => outcome.ok)).toBe(true)
    await Promise.all(tabs.map(tab => tab.reload()))
    for (const tab of tabs) await expect.poll(() => text(tab, 'lab-status')).toBe('authenticated')
    await page.reload()
    await expect.poll(() => text(page, 'session-email')).toBe(user.email)
    expect(await backend.count(REFRESH)).toBe(1)
    expect(await reuseDetections()).toBe(reusesBefore)
    await assertClean()
  })
})

describe('a server render that refreshes the httpOnly tokens', () => {
  it('answers private, no-store also when the session check after the refresh reaches no verdict (no session in the page)', async () => {
    const { cookie, token } = await signedInCookie()
    const refreshToken = cookie.split('; ').find(pair => pair.startsWith('auth.refresh-token='))!.slice('auth.refresh-token='.length)
    await backend.fault('/api/auth/session', '502')
    try {
      const before = await backend.count(REFRESH)
      const response = await fetch(`${baseURL}/token-shown`, { headers: { cookie: `auth.token=${await expiredCopy(token, accessTtl)}; auth.refresh-token=${refreshToken}` } })
      expect(response.status).toBe(200)
      expect(await backend.count(REFRESH)).toBe(before + 1)
      // Both cookies rotated, neither deleted: the expired token was read as a token (a deletion alone marks the answer private).
      expect(tokenCookiesOf(response).map(pair => pair.slice(pair.indexOf('=') + 1) !== '')).toEqual([true, true])
      // A shared cache keeping this 200 (heuristically, without freshness information) would sign the next visitor in as this one.
      expect(response.headers.get('cache-control')).toBe('private, no-store')
    }
    finally {
      await backend.fault('/api/auth/session', 'none')
    }
  })
})

describe('the forwarding route (auth.forward: /api/upstream → the test upstream)', () => {
  interface Echo { method: string, path: string, email: string, cookie: string | null, accept: string | null, forwardedFor: string | null, renderMark: string | null, body: string | null }
  const call = (page: Page, path: string, init: RequestInit = {}) => page.evaluate(async ({ path, init }) => {
    const response = await fetch(path, init)
    return { status: response.status, body: await response.json(), upstreamHeader: response.headers.get('x-upstream'), cookies: document.cookie }
  }, { path, init: init as Record<string, unknown> })

  it('attaches the token on the server, streams the body both ways, drops cookies both ways', async () => {
    const { page, user, assertClean } = await signedIn()
    await waitForHydration(page)
    // A page claiming to come from elsewhere: the upstream hears it, and the address this server saw last. The module's
    // own headers between this app's parts (a render's mark) never reach an upstream.
    const result = await call(page, '/api/upstream/orders/7?sort=desc', { method: 'POST', body: 'hello upstream', headers: { 'content-type': 'text/plain', 'accept': 'application/vnd.shop+json', 'x-forwarded-for': '203.0.113.9', 'x-gatekeeper-render': 'a-render-mark' } })
    expect(result.status).toBe(200)
    expect(result.body as Echo).toEqual({ method: 'POST', path: '/api/_test/upstream/orders/7?sort=desc', email: user.email, cookie: null, accept: 'application/vnd.shop+json', forwardedFor: '203.0.113.9, 127.0.0.1', renderMark: null, body: 'hello upstream' })
    expect(result.upstreamHeader).toBe('yes')
    expect(result.cookies).not.toContain('upstream-cookie')
    await assertClean()
  })

  it('keeps the answer out of shared caches unless the upstream made it private itself', async () => {
    const { page, assertClean } = await signedIn()
    await waitForHydration(page)
    const cacheControl = (upstreamSays?: string) => page.evaluate(async (path) => {
      const response = await fetch(path)
      return response.headers.get('cache-control')
    }, `/api/upstream/me${upstreamSays === undefined ? '' : `?cache-control=${encodeURIComponent(upstreamSays)}`}`)
    expect(await cacheControl()).toBe('private, no-store')
    expect(await cacheControl('private, max-age=60')).toBe('private, max-age=60')
    expect(await cacheControl('no-store')).toBe('no-store')
    // A qualified private keeps only the named header from shared caches; a max-age alone lets them keep the answer.
    expect(await cacheControl('public, max-age=60, private="set-cookie"')).toBe('private, no-store')
    expect(await cacheControl('max-age=60')).toBe('private, no-store')
    // Instructions for the caches and proxies in front of the upstream, which those in front of this app would follow.
    const cdnHeaders = await page.evaluate(async () => {
      const response = await fetch('/api/upstream/me?cache-control=private&cdn=public%2C%20max-age%3D600')
      return [...response.headers.keys()].filter(name => /cdn|surrogate|edge-control|akamai|x-accel/.test(name))
    })
    expect(cdnHeaders).toEqual([])
    await assertClean()
  })

  it('drops the upstream\'s instructions about its site, which the browser would apply to the app (Clear-Site-Data would sign the user out)', async () => {
    const { page, context, user, assertClean } = await signedIn()
    await waitForHydration(page)
    const answer = await page.evaluate(async () => {
      const response = await fetch('/api/upstream/me?site-data')
      return { status: response.status, headers: [...response.headers.keys()].filter(name => /clear-site-data|strict-transport|alt-svc/.test(name)) }
    })
    expect(answer).toEqual({ status: 200, headers: [] })
    const names = (await context.cookies()).map(cookie => cookie.name)
    expect(names).toEqual(expect.arrayContaining(['auth.token', 'auth.refresh-token']))
    expect((await call(page, '/api/upstream/me')).body.email).toBe(user.email)
    await assertClean()
  })

  it('an expired token is refreshed before forwarding; a 401 from the upstream refreshes and retries once', async () => {
    const { page, context, user, assertClean } = await signedIn()
    await waitForHydration(page)
    await expireAccessToken(context)
    await backend.reset()
    expect((await call(page, '/api/upstream/me')).body.email).toBe(user.email)
    expect(await backend.count(REFRESH)).toBe(1)
    // The upstream refuses the fresh token once: one refresh, one retry, the caller sees the 200.
    const retried = await call(page, `/api/upstream/me?reject-once=${Date.now()}`)
    expect(retried.status).toBe(200)
    expect(retried.body.email).toBe(user.email)
    expect(await backend.count(REFRESH)).toBe(2)
    expect(await reuseDetections()).toBe(0)
    await assertClean()
  })

  it('a refresh after the upstream\'s 401 that takes the whole requestTimeout: the upstream\'s 401 still comes through, body and all', async () => {
    const { cookie } = await signedInCookie()
    // The backend's refresh answers after the fixture's requestTimeout (1.5 s): a TIMEOUT, no verdict, the tokens kept.
    await backend.fault('/api/auth/refresh', 'timeout')
    try {
      const answer = await fetch(`${baseURL}/api/upstream/me?reject-once=${Date.now()}`, { headers: { cookie, 'sec-fetch-site': 'same-origin' } })
      // The time went to this app's refresh, not to the upstream, whose answer was cut off by it before.
      expect(answer.status).toBe(401)
      expect(await answer.json()).toEqual({ error: 'rejected once' })
      expect(answer.headers.getSetCookie()).toEqual([])
    }
    finally {
      await backend.fault('/api/auth/refresh', 'none')
    }
  })

  it('a token near its expiry is still forwarded when the refresh ahead of it fails for an outage (no 503 while it is valid)', async () => {
    const { cookie, token } = await signedInCookie()
    // A 90 s token valid for 20 s more: inside the lead the server refreshes ahead by (30 s, a third of its lifetime).
    const nearly = cookie.replace(`auth.token=${token}`, `auth.token=${await nearlyExpiredCopy(token, 90, 20)}`)
    await backend.fault('/api/auth/refresh', '502')
    try {
      const before = await backend.count(REFRESH)
      const answer = await fetch(`${baseURL}/api/upstream/me`, { headers: { 'cookie': nearly, 'sec-fetch-site': 'same-origin' } })
      expect({ status: answer.status, cookies: answer.headers.getSetCookie() }).toEqual({ status: 200, cookies: [] })
      expect((await answer.json()).email).toMatch(/@example\.test$/)
      expect(await backend.count(REFRESH)).toBe(before + 1)
    }
    finally {
      await backend.fault('/api/auth/refresh', 'none')
    }
  })

  describe('an upstream of the test\'s own', () => {
    // An API that answers its head at once and then keeps its body (all of it, or the rest after a first part), or
    // refuses every token (`/refuse`).
    const upstream = createServer((request, response) => {
      if (request.url?.includes('refuse')) return void response.writeHead(401, { 'content-type': 'application/json', 'x-upstream': 'yes' }).end('{"error":"refused"}')
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'x-upstream': 'yes', 'cache-control': 'public, max-age=600' })
      if (request.url?.includes('partly')) response.write('the first part')
      else response.flushHeaders()
    })
    let server: Awaited<ReturnType<typeof serveBuilt>>
    beforeAll(async () => {
      upstream.listen(0, '127.0.0.1')
      await once(upstream, 'listening')
      const address = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`
      server = await serveBuilt(fileURLToPath(new URL('../fixtures/refresh-httponly', import.meta.url)), { NUXT_AUTH_FORWARD: JSON.stringify({ '/api/upstream': address }) }, { readyPath: '/api/_test/counters' })
    })
    afterAll(() => {
      server?.stop()
      upstream.closeAllConnections()
      upstream.close()
    })
    const warningsAbout = (text: string) => server.output().split(text).length - 1

    it('that stalls: a 504 without its headers before any of its body, the connection cut after part of it', async () => {
      const before = await fetch(`${server.baseURL}/api/upstream/nothing-yet`)
      expect(before.status).toBe(504)
      expect(before.statusText).toBe('Gateway Timeout')
      expect((await before.clone().json()).data.authError.code).toBe('TIMEOUT')
      expect(before.headers.get('x-upstream')).toBeNull()
      expect(before.headers.get('cache-control')).toBe('private, no-store')
      expect(before.headers.get('content-type')).toMatch(/json/)
      await expect.poll(() => warningsAbout('forward: the answer of')).toBe(1)
      const partly = await fetch(`${server.baseURL}/api/upstream/partly`)
      expect(partly.status).toBe(200)
      await expect(partly.text()).rejects.toThrow()
      await expect.poll(() => warningsAbout('forward: the answer of')).toBe(2)
      expect(await settledOutput(server)).not.toContain('[unhandled]')
    })

    it('that refuses every token (a 401 for another reason than its age): one refresh for five calls, not one per call', async () => {
      const own = new Backend(server.baseURL)
      const user = newUser()
      await own.register(user)
      const signIn = await fetch(`${server.baseURL}/api/_auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json', 'origin': server.baseURL }, body: JSON.stringify({ credentials: { email: user.email, password: user.password } }) })
      let cookies = Object.fromEntries(tokenCookiesOf(signIn).map(pair => pair.split(/=(.*)/s) as [string, string]))
      const refreshes = await own.count(REFRESH)
      for (let call = 0; call < 5; call++) {
        const answer = await fetch(`${server.baseURL}/api/upstream/refuse`, { headers: { 'cookie': Object.entries(cookies).map(([name, value]) => `${name}=${value}`).join('; '), 'sec-fetch-site': 'same-origin' } })
        expect(answer.status).toBe(401)
        // Each call brings the cookies the one before set, as a browser does.
        cookies = { ...cookies, ...Object.fromEntries(tokenCookiesOf(answer).map(pair => pair.split(/=(.*)/s) as [string, string])) }
      }
      // The first call's token came from the sign-in: its 401 refreshes once; the token that refresh issued, refused
      // again moments later, is no reason for another.
      expect(await own.count(REFRESH)).toBe(refreshes + 1)
      expect(cookies['auth.token']).toBeTruthy()
    })

    it('a browser that leaves while the route refreshes after the upstream\'s 401: nothing left to answer, nothing logged as an error', async () => {
      const own = new Backend(server.baseURL)
      const user = newUser()
      await own.register(user)
      const signIn = await fetch(`${server.baseURL}/api/_auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json', 'origin': server.baseURL }, body: JSON.stringify({ credentials: { email: user.email, password: user.password } }) })
      expect(signIn.status).toBe(200)
      const cookie = tokenCookiesOf(signIn).join('; ')
      const refreshes = await own.count(REFRESH)
      // The backend's refresh answers in 600 ms; the browser goes away before.
      await own.fault('/api/auth/refresh', 'slow')
      try {
        const leaving = new AbortController()
        const request = fetch(`${server.baseURL}/api/upstream/refuse`, { headers: { cookie, 'sec-fetch-site': 'same-origin' }, signal: leaving.signal }).catch((error: unknown) => error)
        await expect.poll(() => own.count(REFRESH), { interval: 20 }).toBe(refreshes + 1)
        leaving.abort()
        expect(await request).toBeInstanceOf(Error)
        // The refresh finishes (and is kept) without anybody to answer: the spent pair, presented again, gets its
        // successor without another refresh at the backend.
        const replay = await fetch(`${server.baseURL}/api/_auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json', 'origin': server.baseURL, cookie }, body: '{}' })
        expect(replay.status).toBe(200)
        expect(tokenCookiesOf(replay)).not.toEqual([])
        expect(await own.count(REFRESH)).toBe(refreshes + 1)
        const output = await settledOutput(server)
        expect(output).not.toContain('[unhandled]')
        expect(output).not.toContain('could not be reached')
      }
      finally {
        await own.fault('/api/auth/refresh', 'none')
      }
    })
  })

  it('is no open proxy: paths that would leave the upstream, cross-site requests and signed-out callers are refused', async () => {
    // Sent as written (fetch() would resolve the dot segments itself before they reach the server).
    // `..;`: a dot segment to servlet-style upstreams (Tomcat, Spring).
    for (const path of ['/api/upstream/..%2f..%2fauth%2fsession', '/api/upstream/%2e%2e/x', '/api/upstream/a/%2E%2E/%2E%2E/b', '/api/upstream/x%5c..%5cy', '/api/upstream/..;/x', '/api/upstream/a/..;jsessionid=1/b', '/api/upstream/.;/x', '/api/upstream/.%2e;x/admin']) {
      expect(await rawStatus(baseURL, path), path).toBe(400)
    }
    const crossSite = await fetch(`${baseURL}/api/upstream/me`, { headers: { 'sec-fetch-site': 'cross-site' } })
    expect(crossSite.status).toBe(403)
    // The route's own refusals are for this visitor alone too.
    expect(crossSite.headers.get('cache-control')).toBe('private, no-store')
    const outside = await fetch(`${baseURL}/api/upstream/x%5cy`)
    expect(outside.status).toBe(400)
    expect((await outside.clone().json()).data.authError.code).toBe('BAD_REQUEST')
    expect(outside.headers.get('cache-control')).toBe('private, no-store')
    // Browsers without Sec-Fetch-Site: the Origin, else the Referer, decides.
    expect((await fetch(`${baseURL}/api/upstream/me`, { headers: { origin: 'https://evil.example' } })).status).toBe(403)
    expect((await fetch(`${baseURL}/api/upstream/me`, { headers: { referer: 'https://evil.example/page' } })).status).toBe(403)
    // Nobody signed in: the upstream gets no token and says so.
    const anonymous = await fetch(`${baseURL}/api/upstream/me`)
    expect(anonymous.status).toBe(401)
    expect(await anonymous.json()).toEqual({ error: 'unauthorized', sentAuthorization: false })
  })

  it('a Location on the upstream itself (a full URL, or a path under its own) comes back under the prefix; others as they are', async () => {
    const upstream = `${baseURL}/api/_test/upstream`
    const locationFor = async (value: string) => (await fetch(`${baseURL}/api/upstream/orders?location=${encodeURIComponent(value)}`, { redirect: 'manual' })).headers.get('location')
    expect(await locationFor(`${upstream}/orders/2?x=1`)).toBe('/api/upstream/orders/2?x=1')
    expect(await locationFor(upstream)).toBe('/api/upstream')
    expect(await locationFor('/api/_test/upstream/orders/3')).toBe('/api/upstream/orders/3')
    expect(await locationFor(`//${new URL(baseURL).host}/api/_test/upstream/orders/6`)).toBe('/api/upstream/orders/6')
    // Beside the upstream's path, not under it: not the upstream's.
    expect(await locationFor(`${upstream}-archive/orders/4`)).toBe(`${upstream}-archive/orders/4`)
    expect(await locationFor('/api/_test/upstream-archive/5')).toBe('/api/_test/upstream-archive/5')
    expect(await locationFor('https://elsewhere.example/x')).toBe('https://elsewhere.example/x')
  })

  it('an upstream set at run time to an unusable URL is logged once without its password, and its prefix answers 502 as the log says', async () => {
    // User info in an upstream URL is refused (the token header goes there, not a password); the log hides the secret.
    const server = await serveBuilt(fileURLToPath(new URL('../fixtures/refresh-httponly', import.meta.url)), { NUXT_AUTH_FORWARD: JSON.stringify({ '/api/upstream': 'https://svc:Pa55w0rd-of-the-shop@shop.example.invalid/v1' }) }, { readyPath: '/api/_test/counters' })
    try {
      const statuses: number[] = []
      for (let attempt = 0; attempt < 2; attempt++) {
        const response = await fetch(`${server.baseURL}/api/upstream/me`, { headers: { origin: server.baseURL } })
        statuses.push(response.status)
        await response.arrayBuffer()
      }
      expect(statuses).toEqual([502, 502])
      expect((await (await fetch(`${server.baseURL}/api/upstream/me`, { headers: { origin: server.baseURL } })).json()).data.authError.code).toBe('SERVER')
      const warnings = (await settledOutput(server)).split('\n').filter(line => line.includes('auth.forward (NUXT_AUTH_FORWARD) maps /api/upstream'))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain('that prefix answers 502')
      expect(warnings[0]).toContain('"https://…@shop.example.invalid/v1"')
      expect(server.output()).not.toContain('Pa55w0rd')
    }
    finally {
      server.stop()
    }
  })

  it('an upstream set at run time to plain http on a public host is logged once, naming the prefix and the fix', async () => {
    const upstream = 'http://shop.example.invalid/v1'
    const server = await serveBuilt(fileURLToPath(new URL('../fixtures/refresh-httponly', import.meta.url)), { NUXT_AUTH_FORWARD: JSON.stringify({ '/api/upstream': upstream }) }, { readyPath: '/api/_test/counters' })
    try {
      for (let attempt = 0; attempt < 3; attempt++) await (await fetch(`${server.baseURL}/api/upstream/me`)).arrayBuffer()
      const warnings = (await settledOutput(server)).split('\n').filter(line => line.includes('auth.forward maps /api/upstream'))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain(upstream)
      expect(warnings[0]).toContain('https://')
    }
    finally {
      server.stop()
    }
  })
})
