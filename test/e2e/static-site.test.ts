import { join } from 'node:path'
import { decodeJwt } from 'jose'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Backend, newUser, openSession, signInThroughForm, text, useChromium, waitForHydration } from './helpers'
import { serveStatic } from './serve'
import { expiredCopy } from './tokens'

// The refresh fixture generated as a static site (test/fixtures/static): files on a static host, the backend's
// /api/** behind the same host (the refresh fixture's server, tokens living refreshAccessTtl seconds). No server of the
// app: no check during a render, no /api/_auth routes; the browser checks and refreshes at the backend itself.
const backendURL = inject('refreshBaseURL')
const accessTtl = inject('refreshAccessTtl')
const backend = new Backend(backendURL)
const browser = useChromium(backend)
const REFRESH = 'POST /api/auth/refresh'
let site: Awaited<ReturnType<typeof serveStatic>>

beforeAll(async () => {
  site = await serveStatic(join(inject('staticFixtureDir'), '.output', 'public'), backendURL)
})
afterAll(async () => {
  await site?.close()
})

/** A browser on the static site; Chromium asks every origin for /favicon.ico, which this app does not have. */
async function openSite() {
  const session = await openSession(browser(), site.baseURL)
  session.expectFailedRequest(/\/favicon\.ico/)
  // The paths the tab shows, in order (document loads and client-side navigations; a repeat counted once).
  const shown: string[] = []
  session.page.on('framenavigated', (frame) => {
    const path = new URL(frame.url()).pathname
    if (frame === session.page.mainFrame() && shown.at(-1) !== path) shown.push(path)
  })
  const appRoutes: string[] = []
  session.page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/api/_auth/')) appRoutes.push(request.url())
  })
  return { ...session, shown, appRoutes }
}

async function signedInSite(page: Page) {
  const user = newUser()
  await backend.register(user)
  await page.goto('/login')
  await signInThroughForm(page, user)
  await page.waitForURL(url => url.pathname === '/profile')
  return user
}

describe('a generated site (nuxi generate) on a static host', () => {
  it('a signed-out visitor of a protected page is sent to the login page with it as the target, and lands on it after signing in', async () => {
    const session = await openSite()
    const { page } = session
    const user = newUser()
    await backend.register(user)
    // /stats was prerendered without a user: a redirect to the login page.
    await page.goto('/stats')
    await page.waitForURL(url => url.pathname === '/login')
    // Nuxt hydrates the prerendered /login at its prerendered address (no query) and puts the query back once the
    // page has resolved: the address settles, it is not there at once.
    await expect.poll(() => new URL(page.url()).searchParams.get('redirect')).toBe('/stats')
    await signInThroughForm(page, user)
    await page.waitForURL(url => url.pathname === '/stats')
    await expect.poll(() => text(page, 'stats-user')).toBe(user.name)
    expect(session.appRoutes).toEqual([])
    await session.assertClean()
  })

  it('a signed-in visitor opening a prerendered protected page comes back to it through the login page, and through no other page', async () => {
    const session = await openSite()
    const { page } = session
    const user = await signedInSite(page)
    session.shown.length = 0
    await page.goto('/stats')
    await expect.poll(() => text(page, 'stats-user')).toBe(user.name)
    // Nuxt hydrates a prerendered page at its prerendered address (/login without its query) and puts the real one
    // back afterwards: the guard must decide for the page the visitor asked for, where the target is.
    expect(new Set(session.shown)).toEqual(new Set(['/stats', '/login']))
    expect(session.shown.at(-1)).toBe('/stats')
    expect(await backend.count('GET /api/auth/session')).toBe(2)
    expect(session.appRoutes).toEqual([])
    await session.assertClean()
  })

  it('a protected page generated with ssr: false opens at once for a signed-in visitor, and sends a signed-out one to the login page', async () => {
    const signedIn = await openSite()
    const user = await signedInSite(signedIn.page)
    signedIn.shown.length = 0
    await signedIn.page.goto('/modes/spa')
    await waitForHydration(signedIn.page)
    expect(await text(signedIn.page, 'mode-email')).toBe(user.email)
    expect(signedIn.shown).toEqual(['/modes/spa'])
    await signedIn.assertClean()

    const signedOut = await openSite()
    await signedOut.page.goto('/modes/spa')
    await signedOut.page.waitForURL(url => url.pathname === '/login')
    expect(new URL(signedOut.page.url()).searchParams.get('redirect')).toBe('/modes/spa')
    await signedOut.assertClean()
  })

  it('an expired access token is refreshed by the browser at the backend, once, and signing out clears both cookies', async () => {
    const session = await openSite()
    const { page, context } = session
    const user = newUser()
    await backend.register(user)
    const tokens = await backend.signIn(user.email, user.password)
    // What a browser holds after a while away. (Set before any page is open: a tab that sees its token expire
    // refreshes at once, and a page load cutting that refresh short is the limit of a site without a server, see
    // the refresh guide's "Reloads".)
    await context.addCookies([
      { name: 'auth.token', value: await expiredCopy(tokens.token, accessTtl), url: site.baseURL },
      { name: 'auth.refresh-token', value: tokens.refreshToken, url: site.baseURL },
    ])
    await page.goto('/stats')
    await expect.poll(() => text(page, 'stats-user')).toBe(user.name)
    expect(await backend.count(REFRESH)).toBe(1)
    const cookies = await context.cookies()
    expect(cookies.find(cookie => cookie.name === 'auth.refresh-token')?.value).not.toBe(tokens.refreshToken)
    expect(decodeJwt(cookies.find(cookie => cookie.name === 'auth.token')!.value).exp).toBeGreaterThan(Date.now() / 1000)

    await waitForHydration(page)
    await page.getByTestId('sign-out').click()
    await expect.poll(() => text(page, 'status')).toBe('unauthenticated')
    expect((await context.cookies()).map(cookie => cookie.name).filter(name => name.startsWith('auth.'))).toEqual([])
    expect(await backend.count('POST /api/auth/logout')).toBe(1)
    expect(session.appRoutes).toEqual([])
    await session.assertClean()
  })
})
