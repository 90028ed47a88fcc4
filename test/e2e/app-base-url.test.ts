import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { Backend, newUser, openSession, signInThroughForm, text, useChromium, waitForHydration } from './helpers'
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
      await session.assertClean()
    }
    finally {
      server.stop()
    }
  })

  it('the authjs provider, not supported under a path yet, stops the server at start naming NUXT_APP_BASE_URL', async () => {
    const started = serveBuilt(fileURLToPath(new URL('../fixtures/authjs', import.meta.url)), {
      NUXT_APP_BASE_URL: '/app/',
      AUTH_URL: 'http://127.0.0.1',
      AUTH_SECRET: 'e2e-only-auth-secret-0123456789abcdef0123',
    }, { readyPath: '/app/' })
    await expect(started).rejects.toThrow(/NUXT_APP_BASE_URL \(app\.baseURL\) is "\/app\/".*authjs provider does not work under a path/)
  })
})
