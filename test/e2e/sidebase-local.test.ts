import { describe, expect, inject, it } from 'vitest'
import { openSession, pushRoute, text, useChromium, waitForHydration } from './helpers'

// An app written for @sidebase/nuxt-auth 1.3.1 (test/fixtures/sidebase-local: its local playground's options,
// pages in its style, a backend answering in its shapes), with only the module swapped. The first two tests do
// what that playground's own e2e test (tests/local.spec.ts) does; the others cover the rest of its option set.
const baseURL = inject('sidebaseLocalBaseURL')
const browser = useChromium()
const stats = async () => await (await fetch(`${baseURL}/api/_test/stats`)).json() as { signIns: number, refreshes: number, reuseDetections: number }
let userCounter = 0
const newUsername = () => `user-${Date.now().toString(36)}-${++userCounter}`

async function signIn(page: import('playwright-core').Page, username: string) {
  await waitForHydration(page)
  await page.getByTestId('username').fill(username)
  await page.getByTestId('password').fill('hunter2')
  const answered = page.waitForResponse(/\/api\/auth\/login/)
  await page.getByTestId('submit').click()
  await answered
  await expect.poll(() => text(page, 'status')).toBe('authenticated')
}

describe('an app written for @sidebase/nuxt-auth, module swapped', () => {
  it('load, sign in, reload, getSession (required false / true), sign out', async () => {
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await page.goto('/')
    expect(await text(page, 'status')).toBe('unauthenticated')
    await signIn(page, newUsername())
    await page.reload()
    expect(await text(page, 'status')).toBe('authenticated')
    await waitForHydration(page)
    // Each button asks the backend (a no-op would pass the status checks too).
    for (const button of ['refresh-required-false', 'refresh-required-true']) {
      const asked = page.waitForResponse(response => new URL(response.url()).pathname === '/api/auth/user', { timeout: 5000 })
      await page.getByTestId(button).click()
      expect((await asked).status(), button).toBe(200)
      expect(await text(page, 'status'), button).toBe('authenticated')
    }
    await page.getByTestId('signout').click()
    await expect.poll(() => text(page, 'status')).toBe('unauthenticated')
    await page.waitForURL(url => url.pathname === '/signout')
    await session.assertClean()
  })

  it('signUp(credentials, { preventLoginFlow: true }) answers with the signup data and signs nobody in', async () => {
    const session = await openSession(browser(), baseURL)
    const { page, context } = session
    await page.goto('/register')
    await waitForHydration(page)
    const username = newUsername()
    await page.getByTestId('register-username').fill(username)
    await page.getByTestId('register-password').fill('hunter2')
    const answered = page.waitForResponse(/\/api\/auth\/signup/)
    await page.getByTestId('register-submit').click()
    expect(await (await answered).json()).toEqual({ user: { username } })
    await expect.poll(() => text(page, 'register-response')).toBe(JSON.stringify({ user: { username } }))
    expect(await text(page, 'status')).toBe('unauthenticated')
    expect((await context.cookies()).map(cookie => cookie.name)).not.toContain('auth.token')
    await session.assertClean()
  })

  it('refreshes with refreshResponseTokenPointer \'\' (the sign-in pointer) and stays signed in', async () => {
    const before = await stats()
    const session = await openSession(browser(), baseURL)
    const { page, context } = session
    await page.goto('/')
    await signIn(page, newUsername())
    const firstToken = (await context.cookies()).find(cookie => cookie.name === 'auth.token')!.value
    // Access tokens live 4 s: the open tab refreshes on its own.
    await expect.poll(async () => (await stats()).refreshes, { timeout: 15_000 }).toBeGreaterThanOrEqual(before.refreshes + 2)
    expect(await text(page, 'status')).toBe('authenticated')
    expect((await context.cookies()).find(cookie => cookie.name === 'auth.token')!.value).not.toBe(firstToken)
    // A refresh the app could not read would have signed out after the backend rotated (and a retry would reuse).
    expect((await stats()).reuseDetections).toBe(before.reuseDetections)
    await page.goto('/protected/globally')
    expect(await text(page, 'page')).toBe('globally protected')
    expect(await text(page, 'role')).toBe('accountACTIVE')
    await session.assertClean()
  })

  it('guards pages as the incumbent does: global, named middleware, guest pages, auth: false', async () => {
    const session = await openSession(browser(), baseURL)
    const { page } = session
    for (const path of ['/protected/globally', '/protected/locally']) {
      const response = await fetch(`${baseURL}${path}`, { redirect: 'manual' })
      expect(response.status, path).toBe(302)
      expect(response.headers.get('location'), path).toBe(`/?redirect=${path}`)
      // Nothing to delete: a visitor without cookies gets no Set-Cookie.
      expect(response.headers.get('set-cookie'), path).toBeNull()
    }
    for (const path of ['/always-unprotected', '/guest', '/signout']) expect((await fetch(`${baseURL}${path}`, { redirect: 'manual' })).status, path).toBe(200)

    await page.goto('/')
    await signIn(page, newUsername())
    await page.goto('/protected/locally')
    expect(await text(page, 'page')).toBe('locally protected')
    // A signed-in user on a guest page goes to its navigateAuthenticatedTo, on the server and in the browser.
    await page.goto('/guest')
    expect(new URL(page.url()).pathname).toBe('/protected/globally')
    await page.goto('/always-unprotected')
    await waitForHydration(page)
    await page.getByTestId('to-guest').click()
    await page.waitForURL(url => url.pathname === '/protected/globally')
    expect(await text(page, 'page')).toBe('globally protected')
    await session.assertClean()
  })

  it('starts the refresh handler the app default-exports as an instance', async () => {
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await page.goto('/always-unprotected')
    await waitForHydration(page)
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.refreshHandler)).toBe('started')
    await session.assertClean()
  })

  it('a cached route with disableServerSideAuth renders once for all, the browser checks the session', async () => {
    const session = await openSession(browser(), baseURL)
    const { page, context } = session
    await page.goto('/')
    await signIn(page, newUsername())
    const token = (await context.cookies()).find(cookie => cookie.name === 'auth.token')!.value
    const html = await (await page.request.get('/with-caching')).text()
    expect(html).not.toContain(token)
    await page.goto('/with-caching')
    await expect.poll(() => text(page, 'status')).toBe('authenticated')
    // Rendered without the visitor's cookies: hydration shows no token (as the HTML), then the cookie's.
    await expect.poll(() => text(page, 'has-token')).toBe('yes')
    const first = await text(page, 'page')
    await page.reload()
    expect(await text(page, 'page')).toBe(first)
    await session.assertClean()
  })

  it('a cached page carries no render time: the browser keeps its clock, not one behind by the cache\'s age', async () => {
    // Filled by this request or an earlier test's; from now on the cache answers, older with every second.
    expect((await fetch(`${baseURL}/with-caching`)).status).toBe(200)
    await new Promise(resolve => setTimeout(resolve, 3000))
    const html = await (await fetch(`${baseURL}/with-caching`)).text()
    const sent = /<script type="application\/json" id="[^"]*-gatekeeper-state">([^<]*)<\/script>/.exec(html)
    expect(sent).not.toBeNull()
    // The encoding's eighth field (app/state.ts): the issuer's time at the render.
    expect((JSON.parse(sent![1]!) as unknown[])[7]).toBeNull()
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await page.goto('/with-caching')
    await waitForHydration(page)
    const offset = await page.evaluate(() => {
      const app = (document.querySelector('#__nuxt') as unknown as { __vue_app__: { config: { globalProperties: { $nuxt: { $gatekeeper: { clock: { offset: () => number } } } } } } }).__vue_app__
      return app.config.globalProperties.$nuxt.$gatekeeper.clock.offset()
    })
    expect(offset).toBe(0)
    await session.assertClean()
  })
})

describe('the same app with the incumbent\'s default globalAppMiddleware (off)', () => {
  const listedURL = inject('sidebaseListedBaseURL')

  async function signedInToken(): Promise<string> {
    const response = await fetch(`${listedURL}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: newUsername(), password: 'hunter2' }) })
    expect(response.status).toBe(200)
    return (await response.json() as { token: { accessToken: string } }).token.accessToken
  }

  /** A browser signed in by the incumbent's sign-in link: `/ordered?token=`, reached by a client-side navigation. */
  async function signedInThroughLink() {
    const session = await openSession(browser(), listedURL)
    await session.page.goto('/always-unprotected')
    await waitForHydration(session.page)
    await pushRoute(session.page, `/ordered?token=${encodeURIComponent(await signedInToken())}`)
    await session.page.waitForURL(url => url.pathname === '/ordered')
    return session
  }

  it('protects a page that lists the guard under the module\'s own name, gatekeeper-auth', async () => {
    // Nuxt lists a global middleware under no name a page can use: this was an unknown middleware, a 500.
    const refused = await fetch(`${listedURL}/protected/by-gatekeeper-name`, { redirect: 'manual' })
    expect(refused.status).toBe(302)
    expect(refused.headers.get('location')).toBe('/?redirect=/protected/by-gatekeeper-name')
    const session = await signedInThroughLink()
    const { page } = session
    await pushRoute(page, '/protected/by-gatekeeper-name')
    await page.waitForURL(url => url.pathname === '/protected/by-gatekeeper-name')
    await expect.poll(() => text(page, 'page')).toBe('protected by the module\'s name')
    await session.assertClean()
  })

  it('runs the guard where a page lists it: after the middleware before it, on the server and in the browser', async () => {
    const token = await signedInToken()
    // The server: the page's own middleware stores the link's token and loads the session, then the guard lets it in.
    const render = await fetch(`${listedURL}/ordered?token=${encodeURIComponent(token)}`, { redirect: 'manual' })
    expect(render.status).toBe(200)
    expect(await render.text()).toContain('@example.test')
    // Without a token the guard still refuses the page.
    const refused = await fetch(`${listedURL}/ordered`, { redirect: 'manual' })
    expect(refused.status).toBe(302)
    expect(refused.headers.get('location')).toBe('/?redirect=/ordered')

    // The browser, on a client-side navigation from a public page.
    const session = await signedInThroughLink()
    const { page } = session
    await expect.poll(() => text(page, 'ordered-status')).toBe('authenticated')
    expect(await text(page, 'ordered-user')).toContain('@example.test')
    await session.assertClean()
  })
})
