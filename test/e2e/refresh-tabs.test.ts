import type { BrowserContext, Page } from 'playwright-core'
import { describe, expect, inject, it } from 'vitest'
import { Backend, newUser, openSession, quietAfterIdle, signInThroughForm, text, useChromium, waitForHydration, watchChunk } from './helpers'

// Tabs and clocks against the refresh fixture (rotating refresh tokens, reuse revokes the family).
const baseURL = inject('refreshBaseURL')
const accessTtl = inject('refreshAccessTtl')
const backend = new Backend(baseURL)
const browser = useChromium(backend)
const REFRESH = 'POST /api/auth/refresh'
/** The app's own refresh route, which the browser asks (it passes the refresh on to REFRESH). */
const RELAY = 'POST /api/_auth/refresh'

async function reuseDetections(): Promise<number> {
  return (await (await fetch(`${baseURL}/api/_test/refresh-stats`)).json()).reuseDetections
}

async function signedInContext(setup?: (context: BrowserContext) => Promise<void>) {
  const user = newUser()
  await backend.register(user)
  const session = await openSession(browser(), baseURL)
  await setup?.(session.context)
  await session.page.goto('/login?redirect=/tokens')
  await signInThroughForm(session.page, user)
  await session.page.waitForURL(url => url.pathname === '/tokens')
  return { ...session, user }
}

async function openTab(context: BrowserContext, path: string): Promise<Page> {
  const page = await context.newPage()
  await page.goto(path)
  await waitForHydration(page)
  return page
}

/** The lease lock's chunk, known by its storage key prefix. */
const LEASE_CHUNK = 'nuxt-gatekeeper:lease'

describe('refresh across tabs and clocks', () => {
  it('without Web Locks, a lease lock keeps three tabs refreshing at once to one refresh', async () => {
    const session = await signedInContext(async (context) => {
      // As on plain http to a LAN address (no secure context) or an older browser.
      await context.addInitScript(() => {
        Object.defineProperty(Navigator.prototype, 'locks', { configurable: true, get: () => undefined })
      })
    })
    const lease = watchChunk(session.context, LEASE_CHUNK)
    const tabs = [await openTab(session.context, '/lab'), await openTab(session.context, '/lab'), await openTab(session.context, '/lab')]
    expect(await tabs[0]!.evaluate(() => 'locks' in navigator && navigator.locks !== undefined)).toBe(false)
    // Loaded after the page's load event, before any refresh needs it (no prefetch link carries it).
    await expect.poll(() => lease.loaded).toBe(true)
    await backend.reset()
    const outcomes = await Promise.all(tabs.map(tab => tab.evaluate(() => (window as never as { __lab: { refresh: () => Promise<{ ok: boolean }> } }).__lab.refresh())))
    expect(outcomes.every(outcome => outcome.ok)).toBe(true)
    // What the lock decides: one tab asks the app's refresh route, the other two wait and adopt its answer. (The
    // route joins concurrent requests with the same pair, so the backend's count alone would be 1 without a lock.)
    expect(await backend.count(RELAY)).toBe(1)
    expect(await backend.count(REFRESH)).toBe(1)
    expect(await reuseDetections()).toBe(0)
    for (const tab of tabs) expect(await text(tab, 'lab-status')).toBe('authenticated')
    await session.assertClean()
  })

  it('with Web Locks the lease lock\'s chunk is never downloaded: no prefetch link, no import', async () => {
    const session = await signedInContext()
    const lease = watchChunk(session.context, LEASE_CHUNK)
    const tab = await openTab(session.context, '/lab')
    await tab.waitForLoadState('networkidle')
    expect(await tab.evaluate(() => [...document.querySelectorAll('link[rel="prefetch"], link[rel="modulepreload"]')].length)).toBeGreaterThan(0)
    expect(await tab.evaluate(() => (window as never as { __lab: { refresh: () => Promise<{ ok: boolean }> } }).__lab.refresh())).toMatchObject({ ok: true })
    await quietAfterIdle(tab)
    expect(await lease.loadedSoFar()).toBe(false)
    await session.assertClean()
  })

  it.each([
    ['one hour ahead', 3_600_000],
    ['one hour behind', -3_600_000],
  ])('a browser clock %s: refreshes about once per lifetime, nobody signed out', async (_label, skewMs) => {
    const session = await signedInContext(async (context) => {
      await context.addInitScript((offset: number) => {
        const RealDate = Date
        class SkewedDate extends RealDate {
          constructor(...args: unknown[]) {
            if (args.length === 0) super(RealDate.now() + offset)
            else super(...(args as [number]))
          }

          static override now() {
            return RealDate.now() + offset
          }
        }
        globalThis.Date = SkewedDate as DateConstructor
      }, skewMs)
    })
    const { page } = session
    await backend.reset()
    const seconds = accessTtl * 2
    await page.waitForTimeout(seconds * 1000)
    // A correct clock refreshes every 2/3 of a lifetime: 2 or 3 in two lifetimes. A storm would be hundreds;
    // without the clock correction, the minimum interval alone would still allow 5.
    const refreshes = await backend.count(REFRESH)
    expect(refreshes).toBeGreaterThanOrEqual(2)
    expect(refreshes).toBeLessThanOrEqual(3)
    expect(await reuseDetections()).toBe(0)
    expect(await text(page, 'status')).toBe('authenticated')
    expect(new URL(page.url()).pathname).toBe('/tokens')
    await session.assertClean()
  })
})
