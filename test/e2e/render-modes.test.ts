import { describe, expect, inject, it } from 'vitest'
import { Backend, newUser, openSession, quietAfterIdle, text, useChromium } from './helpers'

const baseURL = inject('localBaseURL')
const backend = new Backend(baseURL)
const SESSION = 'GET /api/auth/session'
const browser = useChromium(backend)

async function signedInToken() {
  const user = newUser()
  await backend.register(user)
  return { user, token: await backend.login(user.email, user.password) }
}

// Pages whose server render holds no verdict: the client checks once, after hydration, without a
// hydration mismatch (Vue reports one as a console error, which fails the test).
describe.each([
  ['server-side check disabled by routeRules', '/modes/client-checked'],
  ['ssr: false', '/modes/spa'],
  ['prerendered', '/modes/prerendered'],
])('%s', (_name, path) => {
  it('checks the session once on the client and shows the signed-in user', async () => {
    const { user, token } = await signedInToken()
    const session = await openSession(browser(), baseURL)
    await session.context.addCookies([{ name: 'auth.token', value: token, url: baseURL }])
    const { page } = session
    await backend.reset()
    await page.goto(path)
    await expect.poll(async () => (await page.getByTestId('mode-email').textContent())?.trim()).toBe(user.email)
    await expect.poll(async () => (await page.getByTestId('status').textContent())?.trim()).toBe('authenticated')
    await quietAfterIdle(page)
    expect(await backend.count(SESSION)).toBe(1)
    await session.assertClean()
  })
})

describe.each([
  ['server-side check disabled by routeRules', '/modes/client-checked'],
  ['ssr: false', '/modes/spa'],
])('%s, the browser\'s check failing', (_name, path) => {
  it('keeps no protected page without a verdict: login with the target, token kept, back once the backend answers', async () => {
    const { user, token } = await signedInToken()
    const session = await openSession(browser(), baseURL)
    session.expectFailedRequest(/status of 500/)
    await session.context.addCookies([{ name: 'auth.token', value: token, url: baseURL }])
    const { page } = session
    await backend.fault('/api/auth/session', '500')
    await page.goto(path)
    await page.waitForURL(url => url.pathname === '/login')
    expect(new URL(page.url()).searchParams.get('redirect')).toBe(path)
    expect((await session.context.cookies()).find(cookie => cookie.name === 'auth.token')?.value).toBe(token)

    await backend.fault('/api/auth/session', 'none')
    await page.waitForURL(url => url.pathname === path, { timeout: 15_000 })
    await expect.poll(async () => (await page.getByTestId('mode-email').textContent())?.trim()).toBe(user.email)
    await session.assertClean()
  })
})

describe('pages without server verdict', () => {
  it('a signed-in visitor of an ssr:false guest page is sent away once the check answers', async () => {
    const { token } = await signedInToken()
    const session = await openSession(browser(), baseURL)
    await session.context.addCookies([{ name: 'auth.token', value: token, url: baseURL }])
    const { page } = session
    await page.goto('/modes/spa-guest')
    await page.waitForURL(url => url.pathname === '/')
    await session.assertClean()
  })

  it('ssr: false: the app starts with the verdict, so a public page\'s own middleware reads it (the incumbent\'s custom-middleware recipe)', async () => {
    const { token } = await signedInToken()
    const signedIn = await openSession(browser(), baseURL)
    await signedIn.context.addCookies([{ name: 'auth.token', value: token, url: baseURL }])
    await backend.reset()
    await signedIn.page.goto('/modes/spa-public')
    await expect.poll(() => text(signedIn.page, 'status-in-middleware')).toBe('authenticated')
    expect(await text(signedIn.page, 'page-status')).toBe('authenticated')
    await quietAfterIdle(signedIn.page)
    expect(await backend.count(SESSION)).toBe(1)
    await signedIn.assertClean()

    // Without a token there is nothing to ask: the verdict is at hand, without a request.
    const signedOut = await openSession(browser(), baseURL)
    await backend.reset()
    await signedOut.page.goto('/modes/spa-public')
    await expect.poll(() => text(signedOut.page, 'status-in-middleware')).toBe('unauthenticated')
    await quietAfterIdle(signedOut.page)
    expect(await backend.count(SESSION)).toBe(0)
    await signedOut.assertClean()
  })

  it('ssr: false with a token the backend refuses: a public page starts signed out, a protected one ends on login once', async () => {
    const refused = await openSession(browser(), baseURL)
    refused.expectFailedRequest(/status of 401/)
    await refused.context.addCookies([{ name: 'auth.token', value: 'not-a-token-the-backend-knows', url: baseURL }])
    const { page } = refused
    const visited: string[] = []
    page.on('framenavigated', frame => frame === page.mainFrame() && visited.push(new URL(frame.url()).pathname))
    await page.goto('/modes/spa-public')
    await expect.poll(() => text(page, 'status-in-middleware')).toBe('unauthenticated')
    expect(new URL(page.url()).pathname).toBe('/modes/spa-public')
    visited.length = 0
    await page.goto('/modes/spa')
    await page.waitForURL(url => url.pathname === '/login')
    expect(new URL(page.url()).searchParams.get('redirect')).toBe('/modes/spa')
    await page.waitForLoadState('networkidle')
    // Once: not to the login page, back to the page, and to the login page again.
    expect(visited.filter(path => path === '/login')).toEqual(['/login'])
    await refused.assertClean()
  })

  it('a signed-out visitor of an ssr:false protected page ends on login with the target', async () => {
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await page.goto('/modes/spa')
    await page.waitForURL(url => url.pathname === '/login')
    expect(new URL(page.url()).searchParams.get('redirect')).toBe('/modes/spa')
    await quietAfterIdle(page)
    expect(await backend.count(SESSION)).toBe(0)
    await session.assertClean()
  })

  it('the server does not check the session on a route with disableServerSideAuth', async () => {
    const { token } = await signedInToken()
    await backend.reset()
    const response = await fetch(`${baseURL}/modes/client-checked`, { headers: { cookie: `auth.token=${token}` } })
    expect(response.status).toBe(200)
    expect(await backend.count(SESSION)).toBe(0)
    const html = await response.text()
    expect(html).not.toContain(token)
    // No verdict yet and the browser's check to come: `loading`, as with the incumbent (it hydrates so, no flicker).
    expect(html).toMatch(/data-testid="mode-loading"[^>]*>\s*true\s*</)
  })

  it('a route without a token and with disableServerSideAuth is still guarded on the server', async () => {
    const response = await fetch(`${baseURL}/modes/client-checked`, { redirect: 'manual' })
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe('/login?redirect=/modes/client-checked')
  })
})
