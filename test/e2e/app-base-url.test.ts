import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { Backend, newUser, openSession, signInAtOidcProvider, signInThroughForm, text, useChromium, waitForHydration } from './helpers'
import { startOidcProvider, TEST_ACCOUNTS, TEST_CLIENT_ID, TEST_CLIENT_SECRET, testClient } from '../oidc/provider.mjs'
import { onFreePort, serveBuilt } from './serve'

// An app served under a path (app.baseURL, here NUXT_APP_BASE_URL=/app/ at run time), as behind a proxy that
// mounts it there: the module's routes, the backend under auth.baseURL, route rules and the forwarding route
// all answer under the base, as the pages do.
const browser = useChromium()

describe('an app under app.baseURL (/app/)', () => {
  it('signs in, renders, forwards and applies route rules under the base; a rule on /api/** refuses none of the module\'s routes', async () => {
    // httpOnly cookies with refresh tokens: every sign-in and session check goes through the module's routes.
    const server = await onFreePort(port => serveBuilt(fileURLToPath(new URL('../fixtures/refresh-httponly', import.meta.url)), {
      NUXT_APP_BASE_URL: '/app/',
      NUXT_NITRO_ROUTE_RULES: JSON.stringify({ '/api/**': { auth: { required: true } } }),
      NUXT_AUTH_FORWARD: JSON.stringify({ '/api/upstream': `http://127.0.0.1:${port}/app/api/_test/upstream` }),
    }, { port, readyPath: '/app/login' }))
    try {
      const app = `${server.baseURL}/app`
      // The backend under auth.baseURL (/api/auth) is one of the routes the rule leaves alone: registering works.
      const user = newUser()
      await new Backend(app).register(user)
      // Signed out: the rule answers the API, the session route answers nobody, the guard sends pages to login.
      expect((await fetch(`${app}/api/account/ping`)).status).toBe(401)
      expect(await (await fetch(`${app}/api/_auth/session`)).json()).toEqual({ session: null })

      const session = await openSession(browser(), server.baseURL)
      const { page } = session
      // Chromium asks the origin's root for /favicon.ico; under a base, nothing of this app is served there.
      session.expectFailedRequest(/\/favicon\.ico/)
      await page.goto('/app/profile')
      await page.waitForURL(url => url.pathname === '/app/login')
      expect(new URL(page.url()).searchParams.get('redirect')).toBe('/profile')
      await signInThroughForm(page, user)
      await page.waitForURL(url => url.pathname === '/app/profile')
      await expect.poll(() => text(page, 'session-email')).toBe(user.email)
      // Server-rendered under the base, signed in.
      await page.reload()
      await waitForHydration(page)
      expect(await text(page, 'session-email')).toBe(user.email)
      const call = (path: string) => page.evaluate(async (path) => {
        const response = await fetch(path)
        return { status: response.status, body: await response.json() as { email?: string, pong?: boolean } }
      }, path)
      expect(await call('/app/api/account/ping')).toEqual({ status: 200, body: { pong: true } })
      const forwarded = await call('/app/api/upstream/me')
      expect(forwarded.status).toBe(200)
      expect(forwarded.body.email).toBe(user.email)
      // Signing out goes through the module's route under the base too.
      await page.getByTestId('sign-out').click()
      await page.waitForURL(url => url.pathname === '/app/login')
      expect((await session.context.cookies()).find(entry => entry.name === 'auth.token')).toBeUndefined()
      // Chromium logs the refused request as a console error: expected here.
      session.expectFailedRequest(/status of 401/)
      expect(await call('/app/api/account/ping')).toMatchObject({ status: 401 })
      // A full URL of this app (what location.href gives) is a document's address, base included: the landing
      // takes the base off before the router puts it on (not /app/app/profile).
      await page.goto(`/app/login?redirect=${encodeURIComponent(`${server.baseURL}/app/profile?tab=1`)}`)
      await waitForHydration(page)
      await signInThroughForm(page, user)
      await page.waitForURL(url => url.pathname === '/app/profile')
      expect(new URL(page.url()).search).toBe('?tab=1')
      await expect.poll(() => text(page, 'session-email')).toBe(user.email)
      await session.assertClean()
    }
    finally {
      server.stop()
    }
  })

  it('the authjs provider: Auth.js\'s page, credentials and OIDC sign-ins, reload and sign-out all stay under the base', async () => {
    const server = await onFreePort(async (port) => {
      const origin = `http://127.0.0.1:${port}`
      // The redirect URI Auth.js sends carries the base: the provider knows it with it.
      const op = await startOidcProvider({ clients: [testClient([`${origin}/app/api/auth/callback/oidc-test`])] })
      const served = await serveBuilt(fileURLToPath(new URL('../fixtures/authjs', import.meta.url)), {
        NUXT_APP_BASE_URL: '/app/',
        AUTH_URL: origin,
        AUTH_SECRET: 'e2e-only-auth-secret-0123456789abcdef0123',
        OIDC_ISSUER: op.issuer,
        OIDC_CLIENT_ID: TEST_CLIENT_ID,
        OIDC_CLIENT_SECRET: TEST_CLIENT_SECRET,
      }, { port, readyPath: '/app/api/auth/providers' }).catch(async (error) => {
        await op.close()
        throw error
      })
      return { ...served, issuer: op.issuer, stop: () => {
        served.stop()
        void op.close()
      } }
    })
    try {
      // The guard sends a signed-out visitor to Auth.js's page under the base, the wanted page as its document path.
      const guarded = await fetch(`${server.baseURL}/app/protected`, { redirect: 'manual' })
      expect(guarded.status).toBe(302)
      expect(guarded.headers.get('location')).toBe('/app/api/auth/signin?callbackUrl=%2Fapp%2Fprotected')
      const signInPage = await fetch(`${server.baseURL}${guarded.headers.get('location')}`)
      expect(signInPage.status).toBe(200)
      expect(await signInPage.text()).toContain('/app/api/auth/callback/credentials')

      // Credentials from the app's own page (signIn() in the browser).
      const first = await openSession(browser(), server.baseURL)
      first.expectFailedRequest(/\/favicon\.ico/)
      await first.page.goto('/app/login')
      await waitForHydration(first.page)
      await first.page.getByTestId('username').fill('ada')
      await first.page.getByTestId('password').fill('ada-password')
      await first.page.getByTestId('submit').click()
      await first.page.waitForURL(url => url.pathname === '/app/protected')
      await expect.poll(() => text(first.page, 'user-name')).toBe('Ada Lovelace')
      await first.page.reload()
      await waitForHydration(first.page)
      expect(await text(first.page, 'user-name')).toBe('Ada Lovelace')
      await first.page.getByTestId('sign-out').click()
      await first.page.waitForURL(url => url.pathname === '/app' || url.pathname === '/app/')
      await expect.poll(() => text(first.page, 'status')).toBe('unauthenticated')
      await first.assertClean()

      // OIDC through the guard and Auth.js's own page: the provider sends the user back under the base.
      const second = await openSession(browser(), server.baseURL)
      second.expectFailedRequest(/\/favicon\.ico/)
      await second.page.goto('/app/protected')
      expect(new URL(second.page.url()).pathname).toBe('/app/api/auth/signin')
      await second.page.getByRole('button', { name: /Test OIDC/ }).click()
      await signInAtOidcProvider(second.page, server.issuer)
      await second.page.waitForURL(url => url.pathname === '/app/protected')
      await expect.poll(() => text(second.page, 'user-name')).toBe(TEST_ACCOUNTS.alice!.name)
      await second.assertClean()
    }
    finally {
      server.stop()
    }
  })
})
