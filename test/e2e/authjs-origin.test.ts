import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSession, useChromium, waitForHydration } from './helpers'
import { onFreePort, serveBuilt } from './serve'

// The built authjs fixture run the incumbent's way: AUTH_ORIGIN holds the full base URL, here on another host
// name (localhost) than the one the visitor uses (127.0.0.1). Auth.js's own sign-in page lives under that
// base URL; the guard must send signed-out visitors there, not sanitise it away as a foreign origin.
const fixtureDir = fileURLToPath(new URL('../fixtures/authjs', import.meta.url))
const browser = useChromium()
let baseURL = ''
let authOrigin = ''
let stop = () => {}

beforeAll(async () => {
  const server = await onFreePort(port => serveBuilt(fixtureDir, { AUTH_URL: undefined, AUTH_ORIGIN: `http://localhost:${port}/api/auth`, AUTH_SECRET: 'origin-test-secret-0123456789abcdef0123', OIDC_ISSUER: 'http://127.0.0.1:9', OIDC_CLIENT_ID: 'unused', OIDC_CLIENT_SECRET: 'unused' }, { port, readyPath: '/api/auth/providers' }))
  authOrigin = `http://localhost:${server.port}`
  baseURL = server.baseURL
  stop = server.stop
})
afterAll(() => stop())

function expectSignInPage(location: string | null, wanted: string) {
  const url = new URL(location ?? '', baseURL)
  expect(`${url.origin}${url.pathname}`).toBe(`${authOrigin}/api/auth/signin`)
  expect(url.searchParams.get('callbackUrl')).toBe(wanted)
}

describe('authjs with an absolute base URL on another host (AUTH_ORIGIN)', () => {
  it('SSR: the guard redirects a signed-out visitor to Auth.js\'s sign-in page on that host', async () => {
    const response = await fetch(`${baseURL}/protected`, { redirect: 'manual' })
    expect(response.status).toBe(302)
    expectSignInPage(response.headers.get('location'), '/protected')
  })

  it('in the browser: a client-side navigation to a protected page loads that sign-in page', async () => {
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await page.goto('/')
    await waitForHydration(page)
    await page.getByTestId('to-protected').click()
    await page.waitForURL(url => url.pathname === '/api/auth/signin')
    expectSignInPage(page.url(), '/protected')
    // Auth.js rendered its page there (the providers of server/auth.config.ts).
    await page.getByText('Sign in with Test OIDC').waitFor()
    await session.assertClean()
  })
})
