import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startOidcProvider, TEST_ACCOUNTS, TEST_CLIENT_ID, TEST_CLIENT_SECRET, testClient } from '../oidc/provider.mjs'
import { openSession, signInAtOidcProvider, text, useChromium, waitForHydration } from './helpers'
import { onFreePort, serveBuilt, type ServedApp } from './serve'

// `auth.provider.defaultProvider`: signed-out visitors of a protected page go straight to that provider (the
// incumbent's middleware posts to Auth.js for them), by server redirect, client navigation and
// getSession({ required }). The authjs fixture built with `defaultProvider: 'oidc-test'`, served here with its own
// real OpenID provider (the redirect URI carries the app's port).
const fixtureDir = inject('authjsDefaultProviderFixtureDir')
const browser = useChromium()
const alice = TEST_ACCOUNTS.alice!
let app: ServedApp
let op: Awaited<ReturnType<typeof startOidcProvider>>
let baseURL = ''

beforeAll(async () => {
  await onFreePort(async (port) => {
    baseURL = `http://127.0.0.1:${port}`
    op = await startOidcProvider({ clients: [testClient([`${baseURL}/api/auth/callback/oidc-test`])] })
    app = await serveBuilt(fixtureDir, {
      AUTH_URL: baseURL,
      AUTH_SECRET: 'e2e-only-auth-secret-0123456789abcdef0123',
      OIDC_ISSUER: op.issuer,
      OIDC_CLIENT_ID: TEST_CLIENT_ID,
      OIDC_CLIENT_SECRET: TEST_CLIENT_SECRET,
    }, { port, readyPath: '/api/auth/providers' }).catch(async (error) => {
      await op.close()
      throw error
    })
  })
})
afterAll(async () => {
  await app?.stop()
  await op?.close()
})

describe('authjs with defaultProvider', () => {
  it('SSR: a protected page redirects to the provider\'s sign-in start, which redirects to the provider with PKCE, state and nonce', async () => {
    const guarded = await fetch(`${baseURL}/protected?tab=2`, { redirect: 'manual' })
    expect(guarded.status).toBe(302)
    expect(guarded.headers.get('location')).toBe('/api/auth/signin/oidc-test?callbackUrl=%2Fprotected?tab=2')

    const started = await fetch(new URL(guarded.headers.get('location')!, baseURL), { redirect: 'manual' })
    expect(started.status).toBe(302)
    const authorize = new URL(started.headers.get('location')!)
    expect(authorize.href.startsWith(op.issuer)).toBe(true)
    expect(authorize.searchParams.get('client_id')).toBe(TEST_CLIENT_ID)
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${baseURL}/api/auth/callback/oidc-test`)
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')
    const cookies = started.headers.getSetCookie().map(cookie => cookie.split('=')[0])
    expect(cookies).toEqual(expect.arrayContaining(['authjs.pkce.code_verifier', 'authjs.callback-url']))
    // The callbackUrl went through Auth.js's redirect callback into its cookie, as with a sign-in by POST.
    const callbackCookie = started.headers.getSetCookie().find(cookie => cookie.startsWith('authjs.callback-url='))!
    expect(decodeURIComponent(callbackCookie.split(';')[0]!.split('=')[1]!)).toBe(`${baseURL}/protected?tab=2`)
  })

  it('in a browser: a protected page → the provider\'s login form → back on that page, signed in', async () => {
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await page.goto('/protected')
    await signInAtOidcProvider(page, op.issuer)
    await page.waitForURL(`${baseURL}/protected`)
    await expect.poll(() => text(page, 'user-name')).toBe(alice.name)
    expect(await text(page, 'status')).toBe('authenticated')
    await session.assertClean()
  })

  it('a client-side navigation to a protected page and getSession({ required }) go to the provider too', async () => {
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await page.goto('/')
    await waitForHydration(page)
    await page.getByTestId('to-protected').click()
    await page.waitForURL(url => url.href.startsWith(op.issuer))

    await page.goto('/')
    await waitForHydration(page)
    await page.getByTestId('require-session-for-protected').click()
    await signInAtOidcProvider(page, op.issuer)
    await page.waitForURL(`${baseURL}/protected`)
    await expect.poll(() => text(page, 'user-name')).toBe(alice.name)
    await session.assertClean()
  })

  it('only the default provider starts by GET, and a POST still needs Auth.js\'s CSRF token', async () => {
    for (const path of ['/api/auth/signin/credentials', '/api/auth/signin/oidc-down']) {
      const response = await fetch(`${baseURL}${path}`, { redirect: 'manual' })
      expect(response.headers.get('location') ?? '', path).not.toContain('/auth?')
      expect(response.headers.getSetCookie().some(cookie => cookie.startsWith('authjs.pkce')), path).toBe(false)
    }
    const posted = await fetch(`${baseURL}/api/auth/signin/oidc-test`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ callbackUrl: '/' }),
    })
    expect(posted.status).toBe(302)
    expect(posted.headers.get('location')).toContain('error=MissingCSRF')
  })
})
