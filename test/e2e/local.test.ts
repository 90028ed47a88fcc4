import type { Page } from 'playwright-core'
import type { AddressInfo } from 'node:net'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, inject, it } from 'vitest'
import { Backend, newUser, openSession, pushRoute, quietAfterIdle, signInThroughForm, text, useChromium, waitForHydration, watchChunk } from './helpers'

const baseURL = inject('localBaseURL')
const backend = new Backend(baseURL)
const SESSION = 'GET /api/auth/session'
const browser = useChromium(backend)
/** The chunk of code that calls the backend (app/backend-code.ts: sign-in, sign-up, every request), known by a message only it has. */
const SIGN_IN_CHUNK = 'This provider has no signUp'
/** The fetch helper's chunk (app/auth-fetch.ts, loaded by the first call of the helper useAuthFetch() returns), known by a message only it has. */
const FETCH_HELPER_CHUNK = 'The API refused a freshly refreshed token'
/** The built client scripts of the fixture served here (test/fixtures/local) that contain `marker`. */
function builtChunksWith(marker: string) {
  const dir = fileURLToPath(new URL('../fixtures/local/.output/public/_nuxt', import.meta.url))
  return readdirSync(dir).filter(file => file.endsWith('.js') && readFileSync(join(dir, file), 'utf8').includes(marker))
}

async function tokenCookie(page: Page) {
  return (await page.context().cookies()).find(cookie => cookie.name === 'auth.token')
}

describe('local provider in Chromium', () => {
  it('signs in from a protected page, comes back, survives a reload with one session check, signs out', async () => {
    const user = newUser()
    await backend.register(user)
    const session = await openSession(browser(), baseURL)
    const { page } = session

    await page.goto('/profile')
    await page.waitForURL(url => url.pathname === '/login')
    expect(new URL(page.url()).searchParams.get('redirect')).toBe('/profile')

    await signInThroughForm(page, user)
    await page.waitForURL(url => url.pathname === '/profile')
    await expect.poll(() => text(page, 'session-email')).toBe(user.email)
    expect(await text(page, 'status')).toBe('authenticated')

    await backend.reset()
    await page.reload()
    await expect.poll(() => text(page, 'session-email')).toBe(user.email)
    await quietAfterIdle(page)
    // SSR checked once; hydration reused the verdict from the payload.
    expect(await backend.count(SESSION)).toBe(1)

    await waitForHydration(page)
    await page.getByTestId('sign-out').click()
    await page.waitForURL(url => url.pathname === '/login')
    expect(await tokenCookie(page)).toBeUndefined()
    expect(await backend.count('POST /api/auth/logout')).toBe(1)
    await session.assertClean()
  })

  it('a visit from another site\'s link with a SameSite=Strict token cookie: the server saw no cookie, the browser asks and the user ends on the page, signed in; a tab left on the login page moves on', async () => {
    const user = newUser()
    await backend.register(user)
    const login = await fetch(`${baseURL}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: user.email, password: user.password }) })
    const { token } = await login.json() as { token: string }
    // Another site (localhost is not 127.0.0.1's site) with a link to the protected page, as in a mail or a chat.
    const elsewhere = createServer((_, response) => response.end(`<a id="go" href="${baseURL}/profile">profile</a>`))
    await new Promise<void>(resolve => elsewhere.listen(0, 'localhost', resolve))
    const session = await openSession(browser(), baseURL)
    try {
      const { page, context } = session
      // A tab left on the login page, signed out (an email link opens in a new tab: this arrival is its sign-in).
      const waiting = await context.newPage()
      await waiting.goto('/login?redirect=/stats')
      await waitForHydration(waiting)
      await context.addCookies([{ name: 'auth.token', value: token, url: baseURL, sameSite: 'Strict' }])
      let checks = 0
      page.on('request', (request) => {
        if (new URL(request.url()).pathname === '/api/auth/session') checks++
      })
      await page.goto(`http://localhost:${(elsewhere.address() as AddressInfo).port}/`)
      await page.click('#go')
      // The server rendered without the cookie (a Strict cookie is not sent on a navigation from another site):
      // nobody, so the login page. The browser holds the token: it asks once, and the guard sends the user on.
      await page.waitForURL(url => url.pathname === '/profile')
      await expect.poll(() => text(page, 'session-email')).toBe(user.email)
      expect(await text(page, 'status')).toBe('authenticated')
      // Read once the page has been quiet a while: a second check would come after the verdict.
      await quietAfterIdle(page)
      expect(checks).toBe(1)
      // The waiting tab is told, and moves on to its target.
      await waiting.waitForURL(url => url.pathname === '/stats')
      expect(await text(waiting, 'status')).toBe('authenticated')
      await session.assertClean()
    }
    finally {
      elsewhere.close()
    }
  })

  it('reads its state from its own element, not from an element of the page\'s content with the same id', async () => {
    const user = newUser()
    await backend.register(user)
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await page.goto('/login')
    await signInThroughForm(page, user)
    await page.waitForURL(url => url.pathname !== '/login')
    // Server-rendered: the user's HTML with the state element's id comes before the module's element.
    await page.goto('/user-html')
    await waitForHydration(page)
    expect(await page.locator('#nuxt-app-gatekeeper-state').count()).toBe(2)
    expect(await text(page, 'session-email')).toBe(user.email)
    expect(await text(page, 'status')).toBe('authenticated')
    await session.assertClean()
  })

  it('keeps the query string of the target through the login round trip', async () => {
    const user = newUser()
    await backend.register(user)
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await page.goto('/stats?tab=2&sort=desc#top')
    await page.waitForURL(url => url.pathname === '/login')
    await signInThroughForm(page, user)
    await page.waitForURL(url => url.pathname === '/stats')
    const landed = new URL(page.url())
    expect(landed.search).toBe('?tab=2&sort=desc')
    await session.assertClean()
  })

  it('brings the user back to the exact target: encoding, query and hash as they were', async () => {
    const user = newUser()
    await backend.register(user)
    const session = await openSession(browser(), baseURL)
    const { page } = session
    const target = '/stats?tab=2&x=%2F%2F#section'
    await page.goto(target)
    await page.waitForURL(url => url.pathname === '/login')
    // The server never sees a fragment: the wanted page travels without it, and the browser keeps it on the
    // login page's URL (as it does across any redirect), from where it goes back onto the target.
    const login = new URL(page.url())
    expect(login.searchParams.get('redirect')).toBe('/stats?tab=2&x=%2F%2F')
    expect(login.hash).toBe('#section')
    await signInThroughForm(page, user)
    await page.waitForURL(url => url.pathname === '/stats')
    const landed = new URL(page.url())
    expect(landed.pathname + landed.search + landed.hash).toBe(target)
    await session.assertClean()
  })

  it('never follows an off-site redirect target after signing in', async () => {
    const user = newUser()
    await backend.register(user)
    for (const target of ['//evil.example/steal', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
      const session = await openSession(browser(), baseURL)
      const { page } = session
      await page.goto(`/login?redirect=${encodeURIComponent(target)}`)
      await signInThroughForm(page, user)
      // A rejected target counts as none: where /login itself sends a signed-in user (its navigateAuthenticatedTo).
      await page.waitForURL(url => url.pathname === '/profile')
      expect(new URL(page.url()).origin).toBe(baseURL)
      await session.assertClean()
    }
  })

  it('sends signed-in users away from guest pages', async () => {
    const user = newUser()
    await backend.register(user)
    const token = await backend.login(user.email, user.password)
    const session = await openSession(browser(), baseURL)
    await session.context.addCookies([{ name: 'auth.token', value: token, url: baseURL }])
    const { page } = session
    await page.goto('/guest-only')
    expect(new URL(page.url()).pathname).toBe('/')
    await session.assertClean()
  })

  it('sends a signed-in user off the login page even when its redirect target is the login page itself', async () => {
    const user = newUser()
    await backend.register(user)
    const token = await backend.login(user.email, user.password)
    const render = (path: string) => fetch(`${baseURL}${path}`, { headers: { cookie: `auth.token=${token}` }, redirect: 'manual' })
    // Where a signed-in visitor of the login page goes without a target.
    const plain = await render('/login')
    expect(plain.status).toBe(302)
    const away = plain.headers.get('location')!
    expect(away).not.toMatch(/^\/login/)
    for (const path of ['/login?redirect=/login', '/login?redirect=%2Flogin%3Fredirect%3D%2Flogin', '/login?redirect=/login/']) {
      const answer = await render(path)
      expect(answer.status, path).toBe(302)
      expect(answer.headers.get('location'), path).toBe(away)
    }
    // Signing in through a link that names the login page as the target lands where the login page sends signed-in users.
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await page.goto(`/login?redirect=${encodeURIComponent('/login?redirect=/login')}`)
    await signInThroughForm(page, user)
    await page.waitForURL(url => url.pathname === away)
    await session.assertClean()
  })

  it('sends visitors to another origin a page names, when it is on allowedRedirectOrigins: a redirect from the server, a full page load in the browser', async () => {
    const IDP = 'https://idp.gatekeeper.test'
    const user = newUser()
    await backend.register(user)
    const token = await backend.login(user.email, user.password)
    const render = (path: string, cookie?: string) => fetch(`${baseURL}${path}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' })
    const location = (response: Response) => new URL(response.headers.get('location') ?? '', baseURL)

    // The server: signed out to the protected page's login origin, signed in away from the guest page.
    const signedOut = await render('/modes/elsewhere-login')
    expect(signedOut.status).toBe(302)
    expect(location(signedOut).origin + location(signedOut).pathname).toBe(`${IDP}/login`)
    expect(location(signedOut).searchParams.get('redirect')).toBe('/modes/elsewhere-login')
    const signedIn = await render('/modes/elsewhere-guest', `auth.token=${token}`)
    expect(signedIn.status).toBe(302)
    expect(location(signedIn).href).toBe(`${IDP}/account`)

    // The browser, on client-side navigations: the other origin (answered here) loads in place of the app.
    const session = await openSession(browser(), baseURL)
    const { page, context } = session
    await context.route(`${IDP}/**`, route => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>IdP</title><p>Another origin</p>' }))
    await page.goto('/')
    await waitForHydration(page)
    await pushRoute(page, '/modes/elsewhere-login')
    await page.waitForURL(url => url.origin === IDP)
    expect(new URL(page.url()).pathname).toBe('/login')
    expect(new URL(page.url()).searchParams.get('redirect')).toBe('/modes/elsewhere-login')

    await context.addCookies([{ name: 'auth.token', value: token, url: baseURL }])
    await page.goto('/')
    await waitForHydration(page)
    await pushRoute(page, '/modes/elsewhere-guest')
    await page.waitForURL(`${IDP}/account`)
    await session.assertClean()
  })

  it('keeps a target whose query stops decoding (`?q=100%25`) through the login round trip', async () => {
    const user = newUser()
    await backend.register(user)
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await page.goto('/stats?q=100%25')
    await page.waitForURL(url => url.pathname === '/login')
    expect(new URL(page.url()).searchParams.get('redirect')).toBe('/stats?q=100%25')
    await signInThroughForm(page, user)
    await page.waitForURL(url => url.pathname === '/stats')
    expect(new URL(page.url()).searchParams.get('q')).toBe('100%')
    await session.assertClean()
  })

  it('loads the backend-calling code where nobody is signed in, not for a signed-in page load; a failed load is a NETWORK error that signs nobody out, the next try works', async () => {
    const user = newUser()
    await backend.register(user)
    const session = await openSession(browser(), baseURL)
    const { page, context } = session
    // The chunk's download fails while `blocked` (offline, a deploy that removed it).
    let blocked = true
    let refused = 0
    await context.route('**/_nuxt/*.js', async (route) => {
      const response = await route.fetch()
      if (blocked && (await response.text()).includes(SIGN_IN_CHUNK)) {
        refused++
        await route.abort('internetdisconnected')
        return
      }
      await route.fulfill({ response })
    })
    session.expectFailedRequest(/ERR_INTERNET_DISCONNECTED/)

    // Signed out: the login page asks for the chunk by itself once hydrated (before any click)...
    await page.goto('/login')
    await waitForHydration(page)
    await expect.poll(() => refused).toBeGreaterThan(0)
    // ...and a sign-in without it is a NETWORK AuthError that changes nothing.
    await signInThroughForm(page, user)
    await expect.poll(() => text(page, 'error')).toMatch(/could not reach the server/i)
    expect(await text(page, 'status')).toContain('unauthenticated')
    expect(await tokenCookie(page)).toBeUndefined()
    expect(await backend.count('POST /api/auth/login')).toBe(0)

    blocked = false
    await page.getByTestId('submit').click()
    await expect.poll(() => text(page, 'status')).toMatch(/\bauthenticated\b/)
    expect(await tokenCookie(page)).toBeDefined()

    // Signed in: a page load downloads every script it needs and not that code (the server checked the session).
    const signedIn = await context.newPage()
    const chunk = watchChunk(signedIn, SIGN_IN_CHUNK)
    // Nor the fetch helper's, which the fixture's plugin asks for as the app starts but nothing here calls: no
    // prefetch link names it (each link in the head is work for every server render, module.ts).
    const fetchHelper = watchChunk(signedIn, FETCH_HELPER_CHUNK)
    // Each marker names one chunk of this build (else "not downloaded" could not fail).
    expect(builtChunksWith(SIGN_IN_CHUNK)).toHaveLength(1)
    expect(builtChunksWith(FETCH_HELPER_CHUNK)).toHaveLength(1)
    await signedIn.goto('/profile')
    await expect.poll(() => text(signedIn, 'session-email')).toBe(user.email)
    await waitForHydration(signedIn)
    await quietAfterIdle(signedIn)
    expect(await chunk.loadedSoFar()).toBe(false)
    expect(await fetchHelper.loadedSoFar()).toBe(false)
    // A session check without it (gone offline) is a NETWORK error: nobody is signed out, no request was made.
    blocked = true
    const checks = await backend.count(SESSION)
    await signedIn.getByTestId('recheck').click()
    await expect.poll(() => text(signedIn, 'error')).toMatch(/could not reach the server/i)
    expect(await text(signedIn, 'status')).toBe('authenticated')
    expect(await tokenCookie(signedIn)).toBeDefined()
    expect(await backend.count(SESSION)).toBe(checks)
    // Signing out without it still signs out here (the backend is not told: nothing could be sent).
    const logouts = await backend.count('POST /api/auth/logout')
    await signedIn.getByTestId('sign-out').click()
    await signedIn.waitForURL(url => url.pathname === '/login')
    expect(await tokenCookie(signedIn)).toBeUndefined()
    expect(await backend.count('POST /api/auth/logout')).toBe(logouts)
    // Back online, the next sign-in loads it and works.
    blocked = false
    await signInThroughForm(signedIn, user)
    await expect.poll(() => text(signedIn, 'status')).toMatch(/\bauthenticated\b/)
    expect(chunk.loaded).toBe(true)
    await session.assertClean()
  })

  it('shows an error for a wrong password and changes nothing', async () => {
    const user = newUser()
    await backend.register(user)
    const session = await openSession(browser(), baseURL)
    session.expectFailedRequest(/status of 401/)
    const { page } = session
    await page.goto('/login')
    await signInThroughForm(page, { email: user.email, password: 'wrong-password-1!' })
    await expect.poll(() => text(page, 'error')).toMatch(/wrong/i)
    expect(new URL(page.url()).pathname).toBe('/login')
    expect(await tokenCookie(page)).toBeUndefined()
    expect(await text(page, 'status')).toContain('unauthenticated')
    await session.assertClean()
  })

  it('a token too big for a cookie fails the sign-in with BAD_RESPONSE naming its size and the fix, instead of a sign-in the next page forgets', async () => {
    const user = newUser()
    await backend.register(user)
    await backend.fault('/api/auth/login', 'large-token')
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await page.goto('/login')
    await signInThroughForm(page, user)
    // The playground's form shows an unexpected code's message as it is.
    await expect.poll(() => text(page, 'error')).toMatch(/^The access token makes a 5\d{3}-byte cookie \(auth\.token\); browsers drop cookies over 4096 bytes\. Issue smaller tokens, or use auth\.sessions$/)
    expect(new URL(page.url()).pathname).toBe('/login')
    expect(await tokenCookie(page)).toBeUndefined()
    expect(await text(page, 'status')).toContain('unauthenticated')
    await session.assertClean()
  })

  it('after five wrong passwords the backend limits sign-ins: RATE_LIMITED with its Retry-After, the form says when to try again, the right password waits too', async () => {
    const user = newUser()
    await backend.register(user)
    // The playground's backend allows five wrong passwords per email and minute: four here, the fifth in the form.
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const refused = await fetch(`${baseURL}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: user.email, password: 'wrong-password-1!' }) })
      expect(refused.status).toBe(401)
    }
    const session = await openSession(browser(), baseURL)
    session.expectFailedRequest(/status of 401/)
    session.expectFailedRequest(/status of 429/)
    const { page } = session
    await page.goto('/login')
    await signInThroughForm(page, { email: user.email, password: 'wrong-password-1!' })
    await expect.poll(() => text(page, 'error')).toMatch(/wrong/i)
    await signInThroughForm(page, user)
    // The wait comes from the backend's Retry-After (error.retryAfterMs): at most the minute, less what passed.
    await expect.poll(() => text(page, 'error')).toMatch(/^Too many attempts\. Try again in \d+ s\.$/)
    const seconds = Number(/in (\d+) s/.exec(await text(page, 'error') ?? '')?.[1])
    expect(seconds).toBeGreaterThan(30)
    expect(seconds).toBeLessThanOrEqual(60)
    expect(await page.evaluate(() => (window as unknown as { __authHooks: { errors: string[] } }).__authHooks.errors.at(-1))).toBe('signIn:RATE_LIMITED')
    expect(new URL(page.url()).pathname).toBe('/login')
    expect(await tokenCookie(page)).toBeUndefined()
    expect(await text(page, 'status')).toContain('unauthenticated')
    expect(await backend.count('POST /api/auth/login')).toBe(6)
    await session.assertClean()
  })

  it('keeps the user signed in when the session endpoint fails or times out, shows no protected page without a verdict; a 401 signs out', async () => {
    const user = newUser()
    await backend.register(user)
    const token = await backend.login(user.email, user.password)
    const session = await openSession(browser(), baseURL)
    session.expectFailedRequest(/status of (500|401)/)
    await session.context.addCookies([{ name: 'auth.token', value: token, url: baseURL }])
    const { page } = session
    await page.goto('/profile')
    await expect.poll(() => text(page, 'session-email')).toBe(user.email)
    await waitForHydration(page)

    for (const mode of ['500', 'timeout']) {
      await backend.fault('/api/auth/session', mode)
      const before = await backend.count(SESSION)
      await page.getByTestId('recheck').click()
      // The check reached the backend and failed (the page shows the typed error)…
      await expect.poll(() => backend.count(SESSION)).toBe(before + 1)
      await page.getByTestId('error').waitFor()
      // …and the user is still signed in, token untouched.
      expect(await text(page, 'status')).toBe('authenticated')
      expect((await tokenCookie(page))?.value).toBe(token)
    }

    // A reload while the backend is down: no verdict, so the protected page is not rendered on a guess. The
    // server sends the user to login with the page as the target; the token stays (nobody is signed out).
    // A token the server has not cached a session for (its short-lived cache would answer otherwise).
    const fresh = await backend.login(user.email, user.password)
    await session.context.addCookies([{ name: 'auth.token', value: fresh, url: baseURL }])
    await backend.fault('/api/auth/session', '500')
    const render = await fetch(`${baseURL}/profile`, { headers: { cookie: `auth.token=${fresh}` }, redirect: 'manual' })
    expect(render.status).toBe(302)
    expect(render.headers.get('location')).toBe('/login?redirect=/profile')
    expect(await render.text()).not.toContain(user.email)
    // The app's auth:error hook (enforce: 'pre', test/fixtures/local/app/plugins/error-header.server.ts) saw the
    // failure of the start-up check and could read useAuth() there.
    expect(render.headers.get('x-test-auth-error')).toBe('getSession:SERVER:loading')
    await page.reload()
    expect(new URL(page.url()).pathname).toBe('/login')
    expect(new URL(page.url()).searchParams.get('redirect')).toBe('/profile')
    expect(await page.content()).not.toContain(user.email)
    expect((await tokenCookie(page))?.value).toBe(fresh)

    // The backend comes back: the tab's next check (with backoff) finds the session, and the login page
    // sends the user back where they were.
    await backend.fault('/api/auth/session', 'none')
    await page.waitForURL(url => url.pathname === '/profile', { timeout: 15_000 })
    await expect.poll(() => text(page, 'session-email')).toBe(user.email)

    // Revoke the token behind the browser's back: the next check is a verdict.
    await fetch(`${baseURL}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${fresh}` } })
    await page.getByTestId('recheck').click()
    await page.waitForURL(url => url.pathname === '/login')
    expect(await tokenCookie(page)).toBeUndefined()
    await session.assertClean()
  })

  it('signing out in one tab signs out the others; signing in updates them, and moves those on guest-only pages on', async () => {
    const user = newUser()
    await backend.register(user)
    const session = await openSession(browser(), baseURL)
    const first = session.page
    const [second, guest, login] = await Promise.all([session.context.newPage(), session.context.newPage(), session.context.newPage()])
    await first.goto('/login')
    await second.goto('/')
    await guest.goto('/guest-only')
    await login.goto('/login?redirect=/stats')
    await Promise.all([second, guest, login].map(page => waitForHydration(page)))
    await signInThroughForm(first, user)
    // Where the login page's guard sends a signed-in user (its navigateAuthenticatedTo).
    await first.waitForURL(url => url.pathname === '/profile')
    // The other tab learns of the sign-in without a reload.
    await expect.poll(() => text(second, 'status')).toBe('authenticated')
    await expect.poll(() => text(second, 'user-name')).toBe(user.name)
    expect(new URL(second.url()).pathname).toBe('/')
    // Tabs on guest-only pages go where those pages send a signed-in user, as if they had signed in themselves: the
    // login page to its ?redirect= target, /guest-only to the app's navigateAuthenticatedTo.
    await login.waitForURL(url => url.pathname === '/stats')
    await guest.waitForURL(url => url.pathname === '/')
    await Promise.all([guest, login].map(page => page.close()))

    await second.goto('/profile')
    await expect.poll(() => text(second, 'session-email')).toBe(user.email)
    await waitForHydration(second)
    await waitForHydration(first)
    await first.getByTestId('sign-out').click()
    // The protected tab is moved to the login page by the broadcast.
    await second.waitForURL(url => url.pathname === '/login')
    expect(await text(second, 'status')).toBe('unauthenticated')
    await session.assertClean()
  })

  it('a sign-in that ends in a page load (as OAuth and email links do) reaches the tabs left signed out; signed-in tabs do not ask again for every page load', async () => {
    const user = newUser()
    await backend.register(user)
    const session = await openSession(browser(), baseURL)
    const { page: login, context } = session
    const other = await context.newPage()
    // The session checks each waiting tab makes itself (a signed-in page load elsewhere must not make them ask).
    const checks = new Map([login, other].map(page => [page, 0]))
    for (const page of [login, other]) {
      page.on('request', (request) => {
        if (new URL(request.url()).pathname === '/api/auth/session') checks.set(page, checks.get(page)! + 1)
      })
    }
    await login.goto('/login?redirect=/stats')
    await other.goto('/')
    await Promise.all([login, other].map(page => waitForHydration(page)))
    expect(await text(other, 'status')).toBe('unauthenticated')
    // Signed in elsewhere: the cookie comes with a page load, and no tab calls signIn().
    const token = await backend.login(user.email, user.password)
    await context.addCookies([{ name: 'auth.token', value: token, url: baseURL }])
    const arriving = await context.newPage()
    await arriving.goto('/profile')
    await expect.poll(() => text(arriving, 'session-email')).toBe(user.email)
    // The login tab moves on to its target, the other shows the user.
    await login.waitForURL(url => url.pathname === '/stats')
    await expect.poll(() => text(other, 'user-name')).toBe(user.name)
    await quietAfterIdle(other)
    // Each asked once (the positive control of the counter below).
    expect([...checks.values()]).toEqual([1, 1])
    const another = await context.newPage()
    await another.goto('/profile')
    await expect.poll(() => text(another, 'session-email')).toBe(user.email)
    await quietAfterIdle(another)
    expect([...checks.values()]).toEqual([1, 1])
    await session.assertClean()
  })

  it('a token cookie that could never be sent (line feed, NUL, non-Latin-1) is no token: login, cookie removed', async () => {
    for (const value of ['a%0Ab', 'a%0Db', 'a%00b', 'a%E2%82%ACb']) {
      for (const via of ['server render', 'client navigation']) {
        const session = await openSession(browser(), baseURL)
        const { page } = session
        if (via === 'server render') {
          await session.context.addCookies([{ name: 'auth.token', value, url: baseURL }])
          await page.goto('/profile')
        }
        else {
          // The cookie appears after the page loaded (another tab, a script): the browser's guard decides.
          await page.goto('/')
          await waitForHydration(page)
          await page.evaluate(cookie => document.cookie = `auth.token=${cookie}; path=/`, value)
          await page.locator('nav a[href="/profile"]').click()
        }
        await page.waitForURL(url => url.pathname === '/login')
        expect(await tokenCookie(page), `${value}, ${via}`).toBeUndefined()
        expect(await text(page, 'status'), `${value}, ${via}`).toContain('unauthenticated')
        await session.assertClean()
      }
    }
  })

  it('a session of a megabyte reaches the page once: the HTML is that megabyte and the page, not twice it', async () => {
    const user = newUser()
    await backend.register(user)
    const token = await backend.login(user.email, user.password)
    await backend.fault('/api/auth/session', 'large-session')
    // Pages that do not show the session themselves (/profile does, in its "raw session data").
    for (const path of ['/', '/posts']) {
      const html = await (await fetch(`${baseURL}${path}`, { headers: { cookie: `auth.token=${token}` } })).text()
      expect(html, path).toContain('Large Session')
      expect(html.match(/a{100000,}/g)?.length, path).toBe(1)
      expect(html.length, path).toBeLessThan(1_100_000)
    }
  })

  it('never puts the token into the SSR HTML or payload', async () => {
    const user = newUser()
    await backend.register(user)
    const token = await backend.login(user.email, user.password)
    for (const path of ['/', '/profile', '/stats']) {
      const response = await fetch(`${baseURL}${path}`, { headers: { cookie: `auth.token=${token}` } })
      expect(response.status).toBe(200)
      const html = await response.text()
      expect(html).toContain(user.name)
      expect(html).not.toContain(token)
      // Not even a part of it (the signature is the secret part).
      expect(html).not.toContain(token.split('.')[2])
    }
  })
})
