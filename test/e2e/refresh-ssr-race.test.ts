import type { BrowserContext, Page, Request } from 'playwright-core'
import { describe, expect, inject, it } from 'vitest'
import { Backend, newUser, openSession, quietAfterIdle, text, useChromium, waitForHydration } from './helpers'

// A page load (new tab or reload) that happens while a tab's refresh is on its way. The tab refreshes on its
// own, before the access token expires, through the app's refresh route; the backend has already spent the
// old refresh token, but its answer is still travelling ('late-answer' fault: held for LATE_ANSWER_MS). The
// page load carries the old cookies: a still-valid access token and the spent refresh token. Nothing may
// spend that refresh token again: the access token is still good, and the refresh's answer is on its way,
// with the successor in its Set-Cookie, which the browser stores even when the refreshing page is gone.

const baseURL = inject('refreshBaseURL')
const accessTtl = inject('refreshAccessTtl')
const backend = new Backend(baseURL)
const REFRESH = 'POST /api/auth/refresh'
/** Where a browser refreshes: the app's relay route (which calls the backend's REFRESH), or the backend itself. */
const RELAY_REFRESH = '/api/_auth/refresh'
const BROWSER_REFRESH = new Set([RELAY_REFRESH, '/api/auth/refresh'])
const browser = useChromium(backend)
// Shorter than the lead time a tab refreshes before expiry (a third of the 6 s lifetime), so the old access
// token stays valid throughout, and shorter than the fixture's requestTimeout (1.5 s): an answer that comes
// after the client gave up is lost, and a lost rotation is beyond any client.
const LATE_ANSWER_MS = 1000

/** Refresh answers to the browser leave LATE_ANSWER_MS after the refresh token was spent, whichever route it asked. */
async function holdRefreshAnswers() {
  await backend.control({ faults: { '/api/auth/refresh': 'late-answer', [RELAY_REFRESH]: 'late-answer' }, lateAnswerMs: LATE_ANSWER_MS })
}

interface Tokens { token: string, refreshToken: string }

async function signedIn() {
  const user = newUser()
  await backend.register(user)
  const response = await fetch(`${baseURL}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: user.email, password: user.password }) })
  expect(response.status).toBe(200)
  return { user, tokens: await response.json() as Tokens, signedInAt: Date.now() }
}

async function setTokens(context: BrowserContext, tokens: Tokens) {
  await context.addCookies([
    { name: 'auth.token', value: tokens.token, url: baseURL },
    { name: 'auth.refresh-token', value: tokens.refreshToken, url: baseURL },
  ])
}

async function refreshCookie(context: BrowserContext): Promise<string | undefined> {
  return (await context.cookies(baseURL)).find(cookie => cookie.name === 'auth.refresh-token')?.value
}

async function refreshStats(): Promise<{ refreshes: number, reuseDetections: number }> {
  return await (await fetch(`${baseURL}/api/_test/refresh-stats`)).json()
}

/** The next refresh request any page of the context sends (observed on the network, whoever sends it). */
function nextRefreshRequest(context: BrowserContext): Promise<Request> {
  return new Promise((resolve) => {
    const listener = (request: Request) => {
      if (request.method() !== 'POST' || !BROWSER_REFRESH.has(new URL(request.url()).pathname)) return
      context.off('request', listener)
      resolve(request)
    }
    context.on('request', listener)
  })
}

async function openOn(page: Page, path: string) {
  await page.goto(path)
  await waitForHydration(page)
}

/** Both tabs still signed in, no reuse detected, at most one refresh per token lifetime (plus one). */
async function expectSessionIntact(tabs: Page[], user: { name: string }, signedInAt: number) {
  for (const tab of tabs) await quietAfterIdle(tab)
  expect((await refreshStats()).reuseDetections, 'refresh-token reuse detected by the backend').toBe(0)
  for (const tab of tabs) {
    expect(new URL(tab.url()).pathname).toBe('/tokens')
    await expect.poll(() => text(tab, 'status')).toBe('authenticated')
    await expect.poll(() => text(tab, 'user-name')).toBe(user.name)
  }
  const expiries = Math.floor((Date.now() - signedInAt) / 1000 / accessTtl)
  expect(await backend.count(REFRESH)).toBeLessThanOrEqual(expiries + 1)
}

describe('refresh provider: a page load while another tab refreshes', () => {
  it('a new tab opened while the first tab\'s refresh answer is on its way: no reuse, both tabs signed in', async () => {
    const { user, tokens, signedInAt } = await signedIn()
    const session = await openSession(browser(), baseURL)
    await setTokens(session.context, tokens)
    const first = session.page
    await openOn(first, '/tokens')
    await holdRefreshAnswers()

    // The first tab refreshes by itself before the access token expires; the backend spends the refresh
    // token at once and holds the answer.
    const inFlight = await nextRefreshRequest(session.context)
    const second = await session.context.newPage()
    await openOn(second, '/tokens')
    await inFlight.response()

    await expectSessionIntact([first, second], user, signedInAt)
    await session.assertClean()
  })

  it('another tab reloaded while one tab\'s refresh answer is on its way: no reuse, both tabs signed in', async () => {
    const { user, tokens, signedInAt } = await signedIn()
    const session = await openSession(browser(), baseURL)
    await setTokens(session.context, tokens)
    const tabs = [session.page, await session.context.newPage()]
    for (const tab of tabs) await openOn(tab, '/tokens')
    await holdRefreshAnswers()

    // Both tabs see the token near expiry; one of them refreshes. Reload the other one meanwhile.
    const inFlight = await nextRefreshRequest(session.context)
    const refresher = inFlight.frame().page()
    const other = tabs.find(tab => tab !== refresher)!
    await other.reload()
    await waitForHydration(other)
    await inFlight.response()

    await expectSessionIntact(tabs, user, signedInAt)
    await session.assertClean()
  })

  it('the refreshing tab itself reloaded while its refresh answer is on its way: the successor still lands, no reuse', async () => {
    const { user, tokens, signedInAt } = await signedIn()
    const session = await openSession(browser(), baseURL)
    await setTokens(session.context, tokens)
    const tab = session.page
    await openOn(tab, '/tokens')
    await holdRefreshAnswers()

    // The page that sent the refresh unloads; its answer (the only copy of the successor) is still held back.
    await nextRefreshRequest(session.context)
    await tab.reload()
    await waitForHydration(tab)
    await expect.poll(() => refreshCookie(session.context), { timeout: LATE_ANSWER_MS * 3 }).not.toBe(tokens.refreshToken)
    await backend.control({ faults: { '/api/auth/refresh': 'none', [RELAY_REFRESH]: 'none' } })

    // The tab goes on refreshing with the successor through the next expiry.
    const rotated = await refreshCookie(session.context)
    await expect.poll(() => refreshCookie(session.context), { timeout: accessTtl * 1000 + 2000 }).not.toBe(rotated)
    await expectSessionIntact([tab], user, signedInAt)
    await session.assertClean()
  })
})
