import { describe, expect, inject, it } from 'vitest'
import { OPEN_REDIRECT_PAYLOADS } from '../redirect-corpus'
import { Backend, newUser, openSession, useChromium, waitForHydration } from './helpers'

// Every string payload of the sanitiser's corpus as the login page's ?redirect=, then a real sign-in:
// the browser must end on the app's origin (the default page), never anywhere else.
const baseURL = inject('localBaseURL')
const backend = new Backend(baseURL)
const payloads = OPEN_REDIRECT_PAYLOADS.filter((entry): entry is [string, string] => typeof entry[1] === 'string')
const browser = useChromium()

describe('open redirects end to end', () => {
  it(`none of ${payloads.length} payloads takes a signed-in browser off the app`, async () => {
    expect(payloads.length).toBeGreaterThanOrEqual(60)
    const user = newUser()
    await backend.register(user)
    // Three browser contexts side by side, each with its share of the payloads.
    const lanes = [0, 1, 2].map(lane => payloads.filter((_, index) => index % 3 === lane))
    const escaped: string[] = []
    await Promise.all(lanes.map(async (lane) => {
      const session = await openSession(browser(), baseURL)
      const { page, context } = session
      // Any request to another host would be the redirect at work.
      await context.route(url => new URL(url).origin !== baseURL, async (route) => {
        escaped.push(route.request().url())
        await route.abort()
      })
      // What the auth endpoints answered on this lane's current payload: a failure message says it.
      let answers: string[] = []
      page.on('response', (response) => {
        const path = new URL(response.url()).pathname
        if (path.startsWith('/api/auth/')) answers.push(`${response.request().method()} ${path} ${response.status()}`)
      })
      for (const [label, target] of lane) {
        answers = []
        await context.clearCookies()
        await page.goto(`/login?redirect=${encodeURIComponent(target)}`)
        await waitForHydration(page)
        // The form is live once the page has mounted (its submit button is enabled then): a value filled in before
        // could be reset by that render, leaving a required field empty and the click without effect.
        await page.waitForFunction(() => (document.querySelector('[data-testid=submit]') as HTMLButtonElement | null)?.disabled === false)
        await page.getByTestId('email').fill(user.email)
        await page.getByTestId('password').fill(user.password)
        await page.getByTestId('submit').click()
        // The status turns 'authenticated' on the login page a moment before signIn navigates, and
        // 'networkidle' was reached by the first load already: wait for the navigation itself. A browser
        // that stays on /login fails below with the payload's label.
        await page.waitForURL(url => url.pathname !== '/login', { timeout: 10_000 }).catch(() => {})
        const signedIn = await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.textContent?.trim() === 'authenticated').then(() => true, () => false)
        // A timeout names the payload, the page it stopped on and what that page shows.
        expect(signedIn, `${label}: ${page.url()} shows status "${await page.getByTestId('status').textContent().catch(() => '(none)')}"; auth calls: ${answers.join(', ') || 'none'}`).toBe(true)
        const landed = new URL(page.url())
        expect(landed.origin, label).toBe(baseURL)
        expect(landed.pathname, label).toBe('/')
      }
      await session.assertClean()
    }))
    expect(escaped).toEqual([])
  }, 240_000)
})
