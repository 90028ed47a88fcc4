import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import { describe, expect, inject, it } from 'vitest'
import { TEST_ACCOUNTS } from '../oidc/provider.mjs'
import { authjsCredentialsCookie, openSession, quietAfterIdle, signInAtOidcProvider, text, useChromium, waitForHydration } from './helpers'
import { serveBuilt, settledOutput } from './serve'

// The authjs provider on the real @auth/core, with server/auth.config.ts picked up by the module, against a
// real OpenID provider (oidc-provider, started by global-setup.ts) and a credentials provider.
const baseURL = inject('authjsBaseURL')
const issuer = inject('oidcIssuer')
const browser = useChromium()
const alice = TEST_ACCOUNTS.alice!

/** Counts the browser's own requests to the session endpoint (SSR calls are in-process and not seen here). */
function countSessionRequests(page: Page) {
  const seen: string[] = []
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/api/auth/session') seen.push(request.url())
  })
  return seen
}

/** Ada's credentials on the app's login page (`path`), sent with the `submit` button (or another of its buttons). */
async function credentialsSignIn(page: Page, password: string, { path = '/login', button = 'submit' } = {}) {
  await page.goto(path)
  await waitForHydration(page)
  await page.getByTestId('username').fill('ada')
  await page.getByTestId('password').fill(password)
  await page.getByTestId(button).click()
}

describe('authjs provider (Auth.js + a real OpenID provider)', () => {
  it('OIDC: guard → Auth.js sign-in page → provider login form → consent → back, signed in; reload; sign out', async () => {
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await page.goto('/protected')
    // The guard sends signed-out visitors to Auth.js's own page, with the wanted page as callbackUrl.
    expect(new URL(page.url()).pathname).toBe('/api/auth/signin')
    expect(new URL(page.url()).searchParams.get('callbackUrl')).toBe('/protected')
    await page.getByRole('button', { name: /Test OIDC/ }).click()
    // The authorization-code flow with PKCE, state and nonce, at the provider.
    await signInAtOidcProvider(page, issuer)
    await page.waitForURL(`${baseURL}/protected`)
    await expect.poll(() => text(page, 'user-name')).toBe(alice.name)
    expect(await text(page, 'user-email')).toBe(alice.email)
    expect(await text(page, 'status')).toBe('authenticated')

    // SSR checks once, in-process; hydration makes no session request of its own.
    const sessionRequests = countSessionRequests(page)
    await page.reload()
    await waitForHydration(page)
    await quietAfterIdle(page)
    expect(await text(page, 'user-name')).toBe(alice.name)
    expect(sessionRequests).toEqual([])
    const html = await (await page.request.get('/protected')).text()
    const sessionCookie = (await session.context.cookies()).find(cookie => cookie.name === 'authjs.session-token')!
    expect(sessionCookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false })
    expect(html).not.toContain(sessionCookie.value)

    await page.getByTestId('sign-out').click()
    await page.waitForURL(`${baseURL}/`)
    await expect.poll(() => text(page, 'status')).toBe('unauthenticated')
    expect((await session.context.cookies()).some(cookie => cookie.name === 'authjs.session-token')).toBe(false)
    await session.assertClean()
  })

  it('credentials: a wrong password is INVALID_CREDENTIALS; the right one signs in without a page load', async () => {
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await credentialsSignIn(page, 'wrong')
    await expect.poll(() => text(page, 'error')).toBe('INVALID_CREDENTIALS')
    expect(new URL(page.url()).pathname).toBe('/login')
    // Same document: a client-side navigation, no reload.
    await page.evaluate(() => Object.assign(window, { __sameDocument: true }))
    await page.getByTestId('password').fill('ada-password')
    await page.getByTestId('submit').click()
    await page.waitForURL(`${baseURL}/protected`)
    await expect.poll(() => text(page, 'user-name')).toBe('Ada Lovelace')
    expect(await page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument)).toBe(true)
    // The server utilities, imported the incumbent's way (`from '#auth'`; this app has auto-imports off),
    // see the same session.
    expect(await (await page.request.get('/api/whoami')).json()).toEqual({ name: 'Ada Lovelace', tokenEmail: 'ada@example.test', sameToken: true, sameSession: true, rawIsCookie: true, otherCookieNameFindsNothing: true })
    await session.assertClean()
  })

  it('getServerSession in a server middleware that runs on every request (the incumbent\'s documented pattern) answers', async () => {
    const session = await openSession(browser(), baseURL)
    const { page, context } = session
    await credentialsSignIn(page, 'ada-password')
    await page.waitForURL(`${baseURL}/protected`)
    const cookie = [...(await context.cookies()).map(entry => `${entry.name}=${entry.value}`), 'context-session=1'].join('; ')
    // The lookup is a request through this server, and the middleware runs for it too: it must not ask again.
    const signedIn = await fetch(`${baseURL}/api/context-session`, { headers: { cookie }, signal: AbortSignal.timeout(5000) })
    expect(await signedIn.json()).toEqual({ name: 'Ada Lovelace' })
    const page200 = await fetch(`${baseURL}/protected`, { headers: { cookie }, redirect: 'manual', signal: AbortSignal.timeout(5000) })
    expect(page200.status).toBe(200)
    const nobody = await fetch(`${baseURL}/api/context-session`, { headers: { cookie: 'context-session=1' }, signal: AbortSignal.timeout(5000) })
    expect(await nobody.json()).toEqual({ name: null })
    await session.assertClean()
  })

  it('signIn(…, { redirect: false }) resolves with the incumbent\'s { error, status, ok, url } (and Auth.js\'s code) instead of throwing', async () => {
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await page.goto('/login')
    await waitForHydration(page)
    await page.getByTestId('username').fill('ada')
    await page.getByTestId('password').fill('wrong')
    await page.getByTestId('submit-redirect-false').click()
    await expect.poll(() => text(page, 'result')).toContain('CredentialsSignin')
    expect(JSON.parse((await text(page, 'result')) ?? '')).toEqual({ error: 'CredentialsSignin', code: 'credentials', status: 401, ok: false, url: null })
    await page.getByTestId('password').fill('ada-password')
    await page.getByTestId('submit-redirect-false').click()
    await expect.poll(() => text(page, 'result')).toContain('"ok":true')
    expect(JSON.parse((await text(page, 'result')) ?? '')).toEqual({ error: null, status: 200, ok: true, url: '/' })
    // No navigation with redirect: false; the session is there.
    expect(new URL(page.url()).pathname).toBe('/login')
    expect(await (await page.request.get('/api/whoami')).json()).toMatchObject({ name: 'Ada Lovelace' })
    await session.assertClean()
  })

  it('credentials sign-in lands where Auth.js\'s redirect callback says, and signOut({ redirect: false }) resolves with { url }', async () => {
    const session = await openSession(browser(), baseURL)
    const { page } = session
    // /choose-landing is the fixture's callbacks.redirect rule: Auth.js answers /protected?landed=callback.
    await credentialsSignIn(page, 'ada-password', { path: '/login?callbackUrl=/choose-landing' })
    await page.waitForURL(`${baseURL}/protected?landed=callback`)
    await expect.poll(() => text(page, 'user-name')).toBe('Ada Lovelace')
    await session.assertClean()

    const other = await openSession(browser(), baseURL)
    await credentialsSignIn(other.page, 'ada-password', { path: '/login?callbackUrl=/choose-landing', button: 'submit-redirect-false' })
    await expect.poll(() => text(other.page, 'result')).toContain('"ok":true')
    expect(JSON.parse((await text(other.page, 'result')) ?? '')).toEqual({ error: null, status: 200, ok: true, url: '/protected?landed=callback' })
    await other.page.getByTestId('signout-in-place').click()
    await expect.poll(() => text(other.page, 'signed-out')).toBe(JSON.stringify({ url: '/?bye=1' }))
    // Signed out without leaving the page.
    expect(new URL(other.page.url()).pathname).toBe('/login')
    expect(await (await other.page.request.get('/api/context-session', { headers: { cookie: 'context-session=1' } })).json()).toEqual({ name: null })
    await other.assertClean()
  })

  it('AUTH_ORIGIN (the incumbent\'s full base URL) on an address the server cannot reach: it asks Auth.js in-process', async () => {
    // An origin this server cannot reach (as inside a container): nothing may be asked there.
    const server = await serveBuilt(fileURLToPath(new URL('../fixtures/authjs', import.meta.url)), {
      AUTH_ORIGIN: 'http://app.gatekeeper.invalid/api/auth',
      AUTH_SECRET: 'e2e-only-auth-secret-0123456789abcdef0123',
      OIDC_ISSUER: issuer,
    }, { readyPath: '/api/auth/providers' })
    try {
      const signedOut = await fetch(`${server.baseURL}/protected`, { redirect: 'manual' })
      expect(signedOut.status).toBe(302)
      // The browser is sent to the public address (where the sign-in's redirects and cookies belong): it can reach it.
      expect(signedOut.headers.get('location')).toBe('http://app.gatekeeper.invalid/api/auth/signin?callbackUrl=%2Fprotected')
      // Signed in with the credentials provider, as a form post does.
      const cookie = await authjsCredentialsCookie(server.baseURL, 'ada', 'ada-password')
      const render = await fetch(`${server.baseURL}/protected`, { headers: { cookie }, redirect: 'manual' })
      expect(render.status).toBe(200)
      expect(await render.text()).toContain('Ada Lovelace')
      expect(await (await fetch(`${server.baseURL}/api/whoami`, { headers: { cookie } })).json()).toMatchObject({ name: 'Ada Lovelace', sameSession: true })
      expect(await settledOutput(server)).not.toMatch(/ENOTFOUND|FetchError/)
    }
    finally {
      server.stop()
    }
  })

  it('a callbackUrl to another origin ends on the app (client and /api/auth/signin query path)', async () => {
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await page.goto('/login?callbackUrl=https://evil.example/steal')
    await waitForHydration(page)
    await page.getByTestId('username').fill('ada')
    await page.getByTestId('password').fill('ada-password')
    await page.getByTestId('submit').click()
    await page.waitForURL(url => url.origin === baseURL && url.pathname !== '/login')
    expect(new URL(page.url()).origin).toBe(baseURL)
    await session.assertClean()

    // Auth.js's own form, with the other origin in the query: its redirect callback keeps the app's origin.
    const other = await openSession(browser(), baseURL)
    await other.page.goto('/api/auth/signin?callbackUrl=https%3A%2F%2Fevil.example%2F')
    await other.page.getByRole('button', { name: /Test OIDC/ }).click()
    await signInAtOidcProvider(other.page, issuer)
    await other.page.waitForURL(url => url.origin === baseURL && !url.pathname.startsWith('/api/auth/callback'))
    expect(new URL(other.page.url()).origin).toBe(baseURL)
    await other.assertClean()
  })

  it('signIn(\'oidc-test\') from an app page: full-page redirect to the provider and back to the callbackUrl', async () => {
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await page.goto('/login?callbackUrl=/protected')
    await waitForHydration(page)
    await page.getByTestId('oidc').click()
    await signInAtOidcProvider(page, issuer)
    await page.waitForURL(`${baseURL}/protected`)
    await expect.poll(() => text(page, 'user-name')).toBe(alice.name)
    await session.assertClean()
  })

  it('a link by email: redirect: false stays on the page with { ok, url }; the link signs in and lands on callbackUrl; by default Auth.js\'s check-your-email page', async () => {
    const address = `reader-${Date.now()}@example.test`
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await page.goto('/login?callbackUrl=/protected')
    await waitForHydration(page)
    await page.getByTestId('email').fill(address)
    await page.getByTestId('email-link-here').click()
    await expect.poll(() => text(page, 'result')).toContain('"ok":true')
    const result = JSON.parse((await text(page, 'result')) ?? '') as { error: unknown, status: number, ok: boolean, url: string }
    expect(result).toMatchObject({ error: null, status: 200, ok: true })
    expect(new URL(result.url).pathname).toBe('/api/auth/verify-request')
    expect(new URL(page.url()).pathname).toBe('/login')

    // The link in the email signs in and comes back to the callbackUrl.
    const { link } = await (await fetch(`${baseURL}/api/_test/last-email?to=${encodeURIComponent(address)}`)).json() as { link: string }
    await page.goto(link)
    await page.waitForURL(`${baseURL}/protected`)
    await expect.poll(() => text(page, 'user-email')).toBe(address)
    expect(await text(page, 'status')).toBe('authenticated')
    await session.assertClean()

    // Without redirect: false the browser goes to Auth.js's "check your email" page.
    const other = await openSession(browser(), baseURL)
    await other.page.goto('/login')
    await waitForHydration(other.page)
    await other.page.getByTestId('email').fill(`other-${address}`)
    await other.page.getByTestId('email-link').click()
    await other.page.waitForURL(url => url.pathname === '/api/auth/verify-request')
    await other.assertClean()
  })

  it('a provider that is down: signIn() throws a typed error and nobody is signed in; Auth.js\'s page shows its error page', async () => {
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await page.goto('/login')
    await waitForHydration(page)
    await page.getByTestId('oidc-down').click()
    await expect.poll(() => text(page, 'error')).toBe('SERVER')
    expect(new URL(page.url()).pathname).toBe('/login')
    expect(await (await page.request.get('/api/auth/session')).json()).toBeNull()

    // Auth.js's own page: its error page (500, "Configuration"), and the server keeps serving.
    session.expectFailedRequest(/status of 500/)
    await page.goto('/api/auth/signin')
    await page.getByRole('button', { name: /Unreachable OIDC/ }).click()
    await page.waitForURL(url => url.pathname === '/api/auth/error')
    expect(new URL(page.url()).searchParams.get('error')).toBe('Configuration')
    expect((await fetch(`${baseURL}/api/auth/providers`)).status).toBe(200)
    await session.assertClean()
  })

  it('getSession({ required: true }) with nobody signed in goes to the sign-in page, this page (or its callbackUrl) as callbackUrl', async () => {
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await page.goto('/')
    await waitForHydration(page)
    expect(await text(page, 'status')).toBe('unauthenticated')
    await page.getByTestId('require-session').click()
    await page.waitForURL(url => url.pathname === '/api/auth/signin')
    expect(new URL(page.url()).searchParams.get('callbackUrl')).toBe('/')
    // The incumbent's playground button: getSession({ required: true, callbackUrl }) signs in, then comes back there.
    await page.goto('/')
    await waitForHydration(page)
    await page.getByTestId('require-session-for-protected').click()
    await page.waitForURL(url => url.pathname === '/api/auth/signin')
    expect(new URL(page.url()).searchParams.get('callbackUrl')).toBe('/protected')
    await session.assertClean()
  })

  it('the incumbent\'s own route middleware, `return signIn(undefined, { callbackUrl })`: SSR redirects to Auth.js\'s sign-in page, the browser too', async () => {
    // The server render: signIn navigates after awaiting, where Nuxt finds the render's app only in its context.
    const rendered = await fetch(`${baseURL}/own-middleware`, { redirect: 'manual' })
    expect(rendered.status).toBe(302)
    expect(rendered.headers.get('location')).toBe('/api/auth/signin?callbackUrl=%2Fown-middleware')
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await page.goto('/')
    await waitForHydration(page)
    await page.getByTestId('to-own-middleware').click()
    await page.waitForURL(url => url.pathname === '/api/auth/signin')
    expect(new URL(page.url()).searchParams.get('callbackUrl')).toBe('/own-middleware')
    await session.assertClean()
  })

  it('signIn(\'oidc-test\') without a callbackUrl, from a header button: back on the page it was clicked on', async () => {
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await page.goto('/?from=header')
    await waitForHydration(page)
    await page.getByTestId('oidc-here').click()
    await signInAtOidcProvider(page, issuer)
    await page.waitForURL(`${baseURL}/?from=header`)
    await expect.poll(() => text(page, 'user-name')).toBe(alice.name)
    await session.assertClean()
  })

  it('a lone authjs.callback-url cookie (Auth.js answers 500: no verdict) renders no protected page', async () => {
    for (const cookie of ['authjs.callback-url=x', 'authjs.session-token=a%0Ab']) {
      const response = await fetch(`${baseURL}/protected`, { headers: { cookie }, redirect: 'manual' })
      expect(response.status, cookie).toBe(302)
      expect(response.headers.get('location'), cookie).toMatch(/signin|login/)
      expect(await response.text(), cookie).not.toContain('<h1>Protected</h1>')
    }
  })

  it('a cached route rendered without the visitor\'s cookies (page or prefetched _payload.json) sets none of Auth.js\'s cookies', async () => {
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await page.goto('/login')
    await waitForHydration(page)
    // The CSRF cookie of the sign-in form on screen.
    const csrf = async () => (await session.context.cookies()).find(cookie => cookie.name === 'authjs.csrf-token')?.value
    await page.evaluate(async () => await fetch('/api/auth/csrf'))
    const before = await csrf()
    expect(before).toBeTruthy()
    // What a NuxtLink prefetch does, twice: the cached render, then the cache.
    for (let round = 0; round < 2; round++) {
      const prefetched = await page.evaluate(async () => {
        const response = await fetch('/cached/_payload.json')
        return { status: response.status, type: response.headers.get('content-type') }
      })
      expect(prefetched.status).toBe(200)
      expect(prefetched.type).toContain('json')
      expect(await csrf()).toBe(before)
    }
    for (const path of ['/cached', '/cached/_payload.json']) {
      const response = await fetch(`${baseURL}${path}`, { headers: { cookie: `authjs.csrf-token=${before}` } })
      expect(response.headers.getSetCookie().filter(cookie => cookie.startsWith('authjs.')), path).toEqual([])
    }
    // And the form on screen still signs in.
    await page.getByTestId('username').fill('ada')
    await page.getByTestId('password').fill('ada-password')
    await page.getByTestId('submit').click()
    await page.waitForURL(`${baseURL}/protected`)
    await session.assertClean()
  })

  it('a page the app marks public is the visitor\'s alone when its render passes Auth.js\'s session cookie on (a shared cache would hand it to the next visitor)', async () => {
    const cookie = await authjsCredentialsCookie(baseURL, 'ada', 'ada-password')
    // Signed out, the app's own header stands.
    expect((await fetch(`${baseURL}/public-cache`)).headers.get('cache-control')).toBe('public, max-age=60')
    const render = await fetch(`${baseURL}/public-cache`, { headers: { cookie } })
    expect(render.status).toBe(200)
    expect(await render.text()).toMatch(/data-testid="status"[^>]*>\s*authenticated\s*</)
    // Auth.js sets the session cookie again on every session request: the page carries it, and no shared cache may keep it.
    expect(render.headers.getSetCookie().some(entry => entry.startsWith('authjs.session-token='))).toBe(true)
    expect(render.headers.get('cache-control')).toBe('private, no-store')
  })

  it('refuses a POST body over auth.maxBodyBytes with 413 before Auth.js sees it', async () => {
    const response = await fetch(`${baseURL}/api/auth/callback/credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `username=${'x'.repeat(70_000)}`,
      redirect: 'manual',
    })
    expect(response.status).toBe(413)
  })

  it('rejects sign-in and sign-out POSTs without the CSRF token', async () => {
    for (const path of ['/api/auth/callback/credentials', '/api/auth/signin/oidc-test', '/api/auth/signout']) {
      const response = await fetch(`${baseURL}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: 'ada', password: 'ada-password', callbackUrl: '/' }),
      })
      expect(response.status, path).toBe(302)
      expect(response.headers.get('location'), path).toContain('error=MissingCSRF')
      expect(response.headers.getSetCookie().some(cookie => cookie.startsWith('authjs.session-token=')), path).toBe(false)
    }
  })
})
