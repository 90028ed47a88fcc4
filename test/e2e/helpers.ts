import { chromium, type Browser, type BrowserContext, type Page, type Response } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest'
import { CHROMIUM_ARGS, findChromium, responseBody } from '../../scripts/chromium.mjs'
import { TEST_ACCOUNTS } from '../oidc/provider.mjs'

export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium()
  if (!executablePath) throw new Error('No Chromium found: run `node scripts/ensure-chromium.mjs` (npm test does) or set CHROME_PATH')
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS })
}

/** `E2E_CPU_THROTTLE=4`: every page of `openSession` runs with its CPU slowed that many times (Chromium's DevTools protocol). */
const CPU_THROTTLE = Number(process.env.E2E_CPU_THROTTLE) || 0

/**
 * A browser context that records every console error and unhandled rejection. Tests that provoke a
 * failing request on purpose declare it with `expectFailedRequest`, because Chromium logs each failed
 * resource load as a console error; anything else fails the test in `assertClean`.
 */
export async function openSession(browser: Browser, baseURL: string) {
  const context: BrowserContext = await browser.newContext({ baseURL })
  const errors: string[] = []
  const expectedFailures: RegExp[] = []
  const page: Page = await context.newPage()
  const watch = (target: Page) => {
    // A slow device on demand: a test that waits on timing instead of on what it expects is likelier to fail. A page
    // closed before the throttle reaches it needs none, hence the empty catch.
    if (CPU_THROTTLE) void context.newCDPSession(target).then(cdp => cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_THROTTLE })).catch(() => {})
    target.on('console', (message) => {
      if (message.type() !== 'error') return
      const text = `${message.text()} @ ${message.location().url}`
      if (/Failed to load resource/.test(text) && expectedFailures.some(pattern => pattern.test(text))) return
      errors.push(text)
    })
    target.on('pageerror', error => errors.push(`pageerror: ${error.message}`))
  }
  watch(page)
  context.on('page', watch)
  return {
    context,
    page,
    errors,
    expectFailedRequest(pattern: RegExp) {
      expectedFailures.push(pattern)
    },
    async assertClean() {
      expect(errors, 'console errors / unhandled rejections in the browser').toEqual([])
      await context.close()
    },
  }
}

/**
 * Resolves once the app is hydrated, so clicks reach its handlers. Vue marks the container when it mounts, but
 * a page inside Nuxt's Suspense may hydrate after that; Nuxt's `isHydrating` turns false only once it has (a
 * click before then submitted the login form natively under load: a flake of stress-redirects).
 */
export async function waitForHydration(page: Page) {
  await page.waitForFunction(() => {
    const app = (document.querySelector('#__nuxt') as { __vue_app__?: { config: { globalProperties: { $nuxt?: { isHydrating?: boolean } } } } } | null)?.__vue_app__
    return app !== undefined && app.config.globalProperties.$nuxt?.isHydrating === false
  })
}

/**
 * How long a test keeps watching after the page's network went idle before it takes "nothing more happened" (no
 * second session check, no refresh, no lazy chunk) as true. Idle alone is too early: Playwright fires it once per
 * document, after 500 ms without requests, and a page's late work (the end of hydration, a lazy chunk, then the
 * request it makes) can be quiet for longer than that on a busy machine. Not longer: the refresh fixture's tokens
 * live 6 s, and its pages refresh on their own 4 s after a token was issued.
 */
const QUIET_MS = 1000

/** The page's network idle, then QUIET_MS more: read "it did not happen" after this. */
export async function quietAfterIdle(page: Page) {
  await page.waitForLoadState('networkidle')
  await page.waitForTimeout(QUIET_MS)
}

/**
 * A client-side navigation, as a link or `navigateTo` in the app would start it (the router's push), without waiting
 * for it: where it ends (another origin, a redirect) is the test's to wait for.
 */
export async function pushRoute(page: Page, path: string) {
  await page.evaluate((to) => {
    const app = (document.querySelector('#__nuxt') as unknown as { __vue_app__: { config: { globalProperties: { $router: { push: (to: string) => Promise<unknown> } } } } }).__vue_app__
    void app.config.globalProperties.$router.push(to)
  }, path)
}

export class Backend {
  constructor(readonly baseURL: string) {}

  async reset() {
    await this.control({ reset: true })
  }

  async control(body: Record<string, unknown>) {
    const response = await fetch(`${this.baseURL}/api/_test/control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    expect(response.ok).toBe(true)
  }

  async fault(path: string, mode: string) {
    await this.control({ faults: { [path]: mode } })
  }

  async counters(): Promise<Record<string, number>> {
    return await (await fetch(`${this.baseURL}/api/_test/counters`)).json()
  }

  async count(key: string): Promise<number> {
    return (await this.counters())[key] ?? 0
  }

  async register(user: { name: string, email: string, password: string }) {
    const response = await fetch(`${this.baseURL}/api/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(user) })
    expect(response.status, await response.clone().text()).toBe(201)
  }

  /** A sign-in at the backend: its access token, and its refresh token where it issues one. */
  async signIn(email: string, password: string): Promise<{ token: string, refreshToken: string }> {
    const response = await fetch(`${this.baseURL}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) })
    expect(response.status).toBe(200)
    return await response.json()
  }

  async login(email: string, password: string): Promise<string> {
    return (await this.signIn(email, password)).token
  }
}

let userCounter = 0
export function newUser() {
  userCounter += 1
  // Fixed width: no user's name or email is a prefix of another's (tests search pages for them).
  const id = `${Date.now().toString(36)}${String(userCounter).padStart(5, '0')}`
  return { name: `User ${id}`, email: `user-${id}@example.test`, password: 'correct-horse-1!' }
}

/** One Chromium per test file (launched before, closed after); with a backend, its state is reset before each test. */
export function useChromium(backend?: Backend): () => Browser {
  let browser: Browser | undefined
  beforeAll(async () => {
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
  })
  // A test that fails before its assertClean() leaves its tabs open; their timers would go on refreshing and
  // count in the next test's backend figures (seen in refresh-tabs.test.ts). Every test ends with none open.
  afterEach(async () => {
    for (const context of browser?.contexts() ?? []) await context.close()
  })
  if (backend) {
    beforeEach(async () => {
      await backend.reset()
    })
  }
  return () => {
    if (!browser) throw new Error('Chromium is not running: call useChromium() at the top level of the test file')
    return browser
  }
}

/**
 * Notes when `target` (a page or a whole context) receives a script whose text contains `marker`: how a test tells
 * that one of the module's lazy chunks (hashed names) was downloaded. A prefetched chunk counts as downloaded, which
 * it is (responseBody reads it again from the server). `loadedSoFar()` waits for the reads under way; assert "not
 * loaded" with it.
 */
export function watchChunk(target: { on(event: 'response', listener: (response: Response) => void): unknown }, marker: string) {
  const reads = new Set<Promise<void>>()
  const unread: string[] = []
  const seen = {
    loaded: false,
    /** Whether it was downloaded, once every read under way is done; throws if a script could not be read at all. */
    async loadedSoFar() {
      while (reads.size > 0) await Promise.all(reads)
      if (unread.length > 0) throw new Error(`watchChunk could not read ${unread.join(', ')}: cannot tell whether it held "${marker}"`)
      return seen.loaded
    },
  }
  target.on('response', (response) => {
    if (!new URL(response.url()).pathname.endsWith('.js')) return
    const read = responseBody(response)
      .then((body) => {
        if (body.toString('utf8').includes(marker)) seen.loaded = true
      }, () => void unread.push(response.url()))
      .finally(() => reads.delete(read))
    reads.add(read)
  })
  return seen
}

/** The trimmed text of the element with this `data-testid`. */
export async function text(page: Page, testId: string) {
  return (await page.getByTestId(testId).textContent())?.trim()
}

/**
 * At the test OpenID provider (test/oidc/provider.mjs, `issuer`): its login form as `account` (alice by default),
 * then consent.
 */
export async function signInAtOidcProvider(page: Page, issuer: string, account: keyof typeof TEST_ACCOUNTS = 'alice') {
  await page.waitForURL(url => url.href.startsWith(issuer))
  await page.locator('input[name="login"]').fill(account)
  await page.locator('input[name="password"]').fill(TEST_ACCOUNTS[account]!.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('button', { name: 'Allow' }).click()
}

/** Signs in through the playground's login form (after hydration, so the click reaches Vue). */
export async function signInThroughForm(page: Page, user: { email: string, password: string }) {
  await waitForHydration(page)
  await page.getByTestId('email').fill(user.email)
  await page.getByTestId('password').fill(user.password)
  await page.getByTestId('submit').click()
}

/**
 * The playground's Stats and Tokens pages for a signed-in `user`: their API routes read the token on the server
 * (`getServerToken`), so they work whether the page can see the token or not. Stats shows the user, Tokens the
 * token's expiry counting down (at most `accessTtl` seconds), where the refresh token is held (`refreshTokenHeld`, as
 * the page words it for the fixture's mode) and this sign-in's refreshes, which "Refresh now" adds to.
 */
export async function expectTokenPagesWork(page: Page, user: { name: string }, accessTtl: number, refreshTokenHeld: string) {
  await page.goto('/stats')
  await waitForHydration(page)
  await expect.poll(() => text(page, 'stats-user')).toBe(user.name)
  expect(await page.getByTestId('error').count()).toBe(0)

  await page.goto('/tokens')
  await waitForHydration(page)
  await expect.poll(() => text(page, 'seconds-left')).toMatch(/^\d+ s$/)
  expect(Number.parseInt((await text(page, 'seconds-left'))!, 10)).toBeLessThanOrEqual(accessTtl)
  await expect.poll(() => text(page, 'refresh-count')).toMatch(/^\d+$/)
  expect(await text(page, 'refresh-token-held')).toBe(refreshTokenHeld)
  const before = Number(await text(page, 'refresh-count'))
  await page.getByTestId('refresh-now').click()
  await expect.poll(async () => Number(await text(page, 'refresh-count'))).toBeGreaterThan(before)
  expect(await page.getByRole('alert').count()).toBe(0)
}

/** Auth.js's credentials sign-in at `baseURL`, as its own form posts it: the `Cookie` header value of the session it sets. */
export async function authjsCredentialsCookie(baseURL: string, username: string, password: string): Promise<string> {
  const csrf = await fetch(`${baseURL}/api/auth/csrf`)
  const { csrfToken } = await csrf.json() as { csrfToken: string }
  const csrfCookie = csrf.headers.getSetCookie().map(cookie => cookie.split(';')[0]).join('; ')
  const response = await fetch(`${baseURL}/api/auth/callback/credentials`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'cookie': csrfCookie },
    body: new URLSearchParams({ username, password, csrfToken, callbackUrl: '/' }),
  })
  const session = response.headers.getSetCookie().find(cookie => cookie.startsWith('authjs.session-token='))
  expect(session, `sign-in of ${username}`).toBeTruthy()
  return session!.split(';')[0]!
}
