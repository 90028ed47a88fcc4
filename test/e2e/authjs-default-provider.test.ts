import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startOidcProvider, TEST_ACCOUNTS, TEST_CLIENT_ID, TEST_CLIENT_SECRET, testClient } from '../oidc/provider.mjs'
import { openSession, signInAtOidcProvider, text, useChromium, waitForHydration } from './helpers'
import { onFreePort, serveBuilt } from './serve'

// `auth.provider.defaultProvider`: signed-out visitors of a protected page go straight to that provider (the
// incumbent's middleware posts to Auth.js for them), by server redirect, client navigation and
// getSession({ required }). The authjs fixture built with `defaultProvider: 'oidc-test'` (its Auth.js config found in
// the layer), served here with its own real OpenID provider (the redirect URI carries the app's port).
const fixtureDir = inject('authjsDefaultProviderFixtureDir')
const browser = useChromium()
const alice = TEST_ACCOUNTS.alice!

/** The fixture and an OpenID provider that knows its redirect URI, under the app base `appBase`. */
async function serveWithProvider(appBase = '/') {
  return await onFreePort(async (port) => {
    const baseURL = `http://127.0.0.1:${port}`
    const op = await startOidcProvider({ clients: [testClient([`${baseURL}${appBase}api/auth/callback/oidc-test`])] })
    const app = await serveBuilt(fixtureDir, {
      NUXT_APP_BASE_URL: appBase,
      AUTH_URL: baseURL,
      AUTH_SECRET: 'e2e-only-auth-secret-0123456789abcdef0123',
      OIDC_ISSUER: op.issuer,
      OIDC_CLIENT_ID: TEST_CLIENT_ID,
      OIDC_CLIENT_SECRET: TEST_CLIENT_SECRET,
    }, { port, readyPath: `${appBase}api/auth/providers` }).catch(async (error) => {
      await op.close()
      throw error
    })
    return { baseURL, issuer: op.issuer, stop: async () => {
      app.stop()
      await op.close()
    } }
  })
}

let served: Awaited<ReturnType<typeof serveWithProvider>>
beforeAll(async () => {
  served = await serveWithProvider()
})
afterAll(() => served?.stop())

const cookieNames = (response: Response) => response.headers.getSetCookie().map(cookie => cookie.split('=')[0]!)

describe('authjs with defaultProvider', () => {
  it('SSR: a protected page redirects to the provider\'s sign-in start, which redirects to the provider with PKCE, state and nonce', async () => {
    const { baseURL, issuer } = served
    const guarded = await fetch(`${baseURL}/protected?tab=2`, { redirect: 'manual' })
    expect(guarded.status).toBe(302)
    expect(guarded.headers.get('location')).toBe('/api/auth/signin/oidc-test?callbackUrl=%2Fprotected?tab=2')

    const started = await fetch(new URL(guarded.headers.get('location')!, baseURL), { redirect: 'manual' })
    expect(started.status).toBe(302)
    const authorize = new URL(started.headers.get('location')!)
    expect(authorize.href.startsWith(issuer)).toBe(true)
    expect(authorize.searchParams.get('client_id')).toBe(TEST_CLIENT_ID)
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${baseURL}/api/auth/callback/oidc-test`)
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')
    // The fixture's provider checks all three: each is a parameter bound to a cookie of this browser.
    expect(authorize.searchParams.get('state')).toBeTruthy()
    expect(authorize.searchParams.get('nonce')).toBeTruthy()
    expect(cookieNames(started)).toEqual(expect.arrayContaining(['authjs.pkce.code_verifier', 'authjs.state', 'authjs.nonce', 'authjs.callback-url']))
    // The callbackUrl went through Auth.js's redirect callback into its cookie, as with a sign-in by POST.
    const callbackCookie = started.headers.getSetCookie().find(cookie => cookie.startsWith('authjs.callback-url='))!
    expect(decodeURIComponent(callbackCookie.split(';')[0]!.split('=')[1]!)).toBe(`${baseURL}/protected?tab=2`)
  })

  it('SSR: the incumbent\'s own route middleware, `return signIn(undefined, { callbackUrl })`, starts the default provider\'s sign-in for a first visit', async () => {
    const { baseURL, issuer } = served
    // No cookies: the CSRF cookie Auth.js would issue during the render could not go along with a POST of the render.
    const guarded = await fetch(`${baseURL}/own-middleware`, { redirect: 'manual' })
    expect(guarded.status).toBe(302)
    expect(guarded.headers.get('location')).toBe('/api/auth/signin/oidc-test?callbackUrl=%2Fown-middleware')
    const started = await fetch(new URL(guarded.headers.get('location')!, baseURL), { redirect: 'manual' })
    expect(new URL(started.headers.get('location')!).href.startsWith(issuer)).toBe(true)
  })

  it('in a browser: a protected page → the provider\'s login form → back on that page, signed in', async () => {
    const session = await openSession(browser(), served.baseURL)
    const { page } = session
    await page.goto('/protected')
    await signInAtOidcProvider(page, served.issuer)
    await page.waitForURL(`${served.baseURL}/protected`)
    await expect.poll(() => text(page, 'user-name')).toBe(alice.name)
    expect(await text(page, 'status')).toBe('authenticated')
    await session.assertClean()
  })

  it('a client-side navigation to a protected page and getSession({ required }) go to the provider too', async () => {
    const session = await openSession(browser(), served.baseURL)
    const { page } = session
    await page.goto('/')
    await waitForHydration(page)
    await page.getByTestId('to-protected').click()
    await page.waitForURL(url => url.href.startsWith(served.issuer))

    await page.goto('/')
    await waitForHydration(page)
    await page.getByTestId('require-session-for-protected').click()
    await signInAtOidcProvider(page, served.issuer)
    await page.waitForURL(`${served.baseURL}/protected`)
    await expect.poll(() => text(page, 'user-name')).toBe(alice.name)
    await session.assertClean()
  })

  it('only the default provider starts by GET (not another reachable OpenID one), and a POST still needs Auth.js\'s CSRF token', async () => {
    const { baseURL, issuer } = served
    for (const path of ['/api/auth/signin/oidc-other', '/api/auth/signin/credentials']) {
      const response = await fetch(`${baseURL}${path}`, { redirect: 'manual' })
      // Auth.js's own answer to a GET sign-in with an id: its error page.
      expect(response.headers.get('location'), path).toBe(`${baseURL}/api/auth/error?error=Configuration`)
      expect(cookieNames(response).filter(name => /pkce|state|nonce/.test(name)), path).toEqual([])
    }
    // A POST without Auth.js's CSRF token is still refused: the check is skipped only inside the default's GET start.
    const posted = await fetch(`${baseURL}/api/auth/signin/oidc-other`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ callbackUrl: '/' }),
    })
    expect(posted.status).toBe(302)
    expect(posted.headers.get('location')).toContain('error=MissingCSRF')
    expect(posted.headers.get('location')!.startsWith(issuer)).toBe(false)
  })

  it('under an app base URL (app.baseURL): the start and the provider\'s redirect URI carry the base', async () => {
    const underBase = await serveWithProvider('/app/')
    try {
      const guarded = await fetch(`${underBase.baseURL}/app/protected`, { redirect: 'manual' })
      expect(guarded.headers.get('location')).toBe('/app/api/auth/signin/oidc-test?callbackUrl=%2Fapp%2Fprotected')
      const started = await fetch(new URL(guarded.headers.get('location')!, underBase.baseURL), { redirect: 'manual' })
      const authorize = new URL(started.headers.get('location')!)
      expect(authorize.href.startsWith(underBase.issuer)).toBe(true)
      expect(authorize.searchParams.get('redirect_uri')).toBe(`${underBase.baseURL}/app/api/auth/callback/oidc-test`)
    }
    finally {
      await underBase.stop()
    }
  })
})
