import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, inject, it, beforeAll, afterAll } from 'vitest'
import type { BrowserContext, Frame, Page } from 'playwright-core'
import { openSession, useChromium, waitForHydration } from './helpers'
import { CELLS, cellId, runWith, type Prepared } from './packaged-apps'
import { serveBuilt, serveDev } from './serve'

// The packed module in fresh apps across the Node/Nuxt matrix (prepared by the global set-up, see
// packaged-apps.ts): each app is built with its Node and Nuxt, served, and driven in Chromium.
const workDir = inject('packagedWorkDir')
const browser = useChromium()

/** Waits for the global set-up's marker file; a failed preparation fails here with its output. */
async function prepared<T extends object>(name: string): Promise<T> {
  const marker = join(workDir, `${name}.json`)
  const deadline = Date.now() + 900_000
  while (!existsSync(marker)) {
    if (Date.now() > deadline) throw new Error(`${name}: the packaged apps were not prepared within 15 minutes`)
    await new Promise(resolve => setTimeout(resolve, 500))
  }
  const outcome = JSON.parse(readFileSync(marker, 'utf8')) as T | { error: string }
  if ('error' in outcome) throw new Error(`${name}: ${outcome.error}`)
  return outcome
}

describe.each(CELLS)('the packed module in a fresh app: Node $node, Nuxt $nuxt', (cell) => {
  let appDir = ''
  let node = ''
  let baseURL = ''
  let stop = () => {}
  let buildOutput = ''

  beforeAll(async () => {
    const app = await prepared<Exclude<Prepared, { error: string }>>(cellId(cell))
    appDir = app.appDir
    node = app.node
    const build = await runWith(node, join(appDir, 'node_modules', '.bin', 'nuxi'), ['build'], appDir)
    buildOutput = `${build.stdout}\n${build.stderr}`
    // The browser test has tokens of 4 s: no other cell's install may still load the machine.
    await Promise.all(CELLS.map(other => prepared(cellId(other)).catch(() => {})))
    // Access tokens of 4 s: a page opened after a few seconds needs a refresh first.
    const server = await serveBuilt(appDir, { ACCESS_TOKEN_SECONDS: '4' }, { node, readyPath: '/login' })
    baseURL = server.baseURL
    stop = server.stop
  }, 480_000)
  afterAll(() => stop())

  it('builds without a warning about the module\'s files', () => {
    // The build ran with its logger as a user sees it (runWith: appCommandEnv), not quietened by vitest's variables.
    expect(buildOutput).toContain('You can preview this build')
    // Vite's "(!) <file> is dynamically imported by … but also statically imported by …" (rolldown's
    // INEFFECTIVE_DYNAMIC_IMPORT with Vite 8), and any other warning line naming the module.
    const aboutTheModule = buildOutput.split('\n').filter(line => line.includes('nuxt-gatekeeper') && /\(!\)|warn|imported by/i.test(line))
    expect(aboutTheModule).toEqual([])
  })

  it('signs in (a wrong password first), reloads, refreshes and signs out in Chromium', async () => {
    const stats = async () => await (await fetch(`${baseURL}/api/_test/stats`)).json() as { signIns: number, refreshes: number, reuseDetections: number }
    const register = await fetch(`${baseURL}/api/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'ada', password: 'correct-horse', name: 'Ada' }) })
    expect(register.status).toBe(201)

    const session = await openSession(browser(), baseURL)
    session.expectFailedRequest(/status of 401/)
    const { page, context } = session
    await page.goto('/')
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/login?redirect=/')
    await waitForHydration(page)
    await page.getByTestId('username').fill('ada')
    await page.getByTestId('password').fill('wrong-password')
    await page.getByTestId('submit').click()
    await expect.poll(async () => (await page.getByTestId('problem').textContent())?.trim()).toBe('Wrong username or password.')
    await page.getByTestId('password').fill('correct-horse')
    const refreshed = page.waitForResponse(response => new URL(response.url()).pathname === '/api/_auth/refresh', { timeout: 10_000 })
    await page.getByTestId('submit').click()
    await page.waitForURL(url => url.pathname === '/')
    await expect.poll(async () => (await page.getByTestId('session').textContent())?.trim()).toBe('authenticated:Ada')

    // The tab closed right after its first automatic refresh (none in flight), then a visit past the access
    // token's lifetime: the server refreshes before it renders, and the visit stays signed in.
    expect((await refreshed).status()).toBe(200)
    await page.close()
    await new Promise(resolve => setTimeout(resolve, 4500))
    const beforeVisit = await stats()
    const next = await context.newPage()
    await next.goto('/')
    expect(new URL(next.url()).pathname).toBe('/')
    expect((await next.getByTestId('session').textContent())?.trim()).toBe('authenticated:Ada')
    const afterVisit = await stats()
    expect(afterVisit.refreshes).toBeGreaterThan(beforeVisit.refreshes)

    // A reload, and an explicit refresh() (more may come on their own: the tokens live 4 s).
    await next.reload()
    expect((await next.getByTestId('session').textContent())?.trim()).toBe('authenticated:Ada')
    await waitForHydration(next)
    const explicit = next.waitForRequest(request => new URL(request.url()).pathname === '/api/_auth/refresh', { timeout: 1500 })
    await next.getByTestId('refresh').click()
    await explicit
    await expect.poll(async () => (await stats()).refreshes).toBeGreaterThan(afterVisit.refreshes)
    expect((await next.getByTestId('session').textContent())?.trim()).toBe('authenticated:Ada')

    const cookies = await context.cookies()
    const token = cookies.find(cookie => cookie.name === 'auth.token')!.value
    const html = await (await next.request.get('/')).text()
    expect(html).toContain('authenticated:Ada')
    expect(html).not.toContain(token)

    await next.getByTestId('sign-out').click()
    await next.waitForURL(url => url.pathname === '/login')
    expect((await context.cookies()).map(cookie => cookie.name)).not.toContain('auth.token')
    expect((await stats()).reuseDetections).toBe(0)
    await session.assertClean()
  })

  if (!cell.main) return

  it('ships the compiled module, runtime and providers, and no sources or tests', async () => {
    const { files } = await prepared<{ files: string[] }>('packed')
    for (const file of ['dist/module.mjs', 'dist/types.d.mts', 'dist/runtime/app/plugins/auth.js', 'dist/providers/index.d.mts', 'dist/providers/local/client.mjs', 'dist/providers/refresh/client.mjs', 'dist/providers/authjs/client.mjs', 'dist/providers/authjs/server/handler.mjs', 'dist/providers/authjs/server/auth-config.d.ts', 'LICENSE', 'README.md']) {
      expect(files, file).toContain(file)
    }
    expect(files.filter(file => /^(?:src|test|playground|docs|bench|scripts)\//.test(file))).toEqual([])
  })

  it('types the app\'s SessionData and every option from the package (app/type-tests.ts, server/type-tests.ts, vue-tsc)', async () => {
    // Fails on any error, an unused @ts-expect-error included (a type that degraded to any).
    for (const config of ['tsconfig.app.json', 'tsconfig.server.json']) {
      const check = await runWith(process.execPath, join(appDir, 'node_modules', '.bin', 'vue-tsc'), ['--noEmit', '-p', join(appDir, '.nuxt', config)], appDir).then(() => 'clean', (error: Error) => error.message)
      expect(check, config).toBe('clean')
    }
  }, 180_000)

  // Last: `nuxi dev` rewrites the app's .nuxt, which the type check above reads.
  it('has the Auth tab in Nuxt DevTools under `nuxi dev`: session, claims, refresh log, guard, events, buttons', async () => {
    const dev = await serveDev(appDir, { node, readyPath: '/login' })
    try {
      const stats = async () => await (await fetch(`${dev.baseURL}/api/_test/stats`)).json() as { refreshes: number }
      const register = await fetch(`${dev.baseURL}/api/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'grace', password: 'correct-horse', name: 'Grace' }) })
      expect(register.status).toBe(201)
      // A server redirect hands the tab its decisions by cookie: the one that redirected, not the guard's run for the
      // redirect's target that Nuxt's router makes in the same request (that page's own request logs its decision).
      const redirected = await fetch(`${dev.baseURL}/`, { redirect: 'manual' })
      expect(redirected.status).toBe(302)
      const handed = redirected.headers.getSetCookie().find(cookie => cookie.startsWith('gatekeeper-devtools-redirect='))!.split(';')[0]!
      const serverLog = JSON.parse(decodeURIComponent(handed.slice(handed.indexOf('=') + 1))) as { guard: { route: string, verdict: string }[] }
      expect(serverLog.guard.map(entry => `${entry.route} ${entry.verdict}`)).toEqual(['/ login'])

      const session = await openSession(browser(), dev.baseURL)
      const { page, context } = session
      await offlineDevtools(context)
      await page.goto('/login')
      await waitForHydration(page)
      await page.getByTestId('username').fill('grace')
      await page.getByTestId('password').fill('correct-horse')
      await page.getByTestId('submit').click()
      await page.waitForURL(url => url.pathname === '/')
      await expect.poll(async () => (await page.getByTestId('session').textContent())?.trim()).toBe('authenticated:Grace')

      // Opened with the shortcut; DevTools opens on the tab a user looked at last, this one (see offlineDevtools).
      // The window is tall enough for DevTools' sidebar to list every tab, ours included, rather than in its overflow menu.
      await page.setViewportSize({ width: 1280, height: 1000 })
      await page.keyboard.press('Shift+Alt+D')
      const client = await frame(page, '/__nuxt_devtools__/client')
      await expect.poll(() => client.locator('a[href$="/modules/custom-nuxt-gatekeeper"]').count()).toBe(1)
      // DevTools asks a new browser for the permission to run commands, in a dialog over the whole panel (clicks
      // meant for the tab would land on it); granted as a user grants it, through the URL the dev server prints.
      await expect.poll(() => AUTHORIZE_DEVTOOLS.test(dev.output()), { timeout: 30_000 }).toBe(true)
      const authorize = await context.newPage()
      await authorize.goto(AUTHORIZE_DEVTOOLS.exec(dev.output())![0])
      await expect.poll(() => authorize.locator('#message').textContent()).toContain('Authorized')
      await authorize.close()
      await expect.poll(() => client.getByText('Permissions required').count()).toBe(0)
      const panel = await frame(page, '/__gatekeeper_devtools__')

      await expect.poll(() => panel.locator('[data-status]').textContent()).toBe('authenticated')
      expect(JSON.parse((await panel.locator('[data-session]').textContent())!)).toMatchObject({ username: 'grace', name: 'Grace' })
      // The access token's claims with its expiry counting down; the token itself only when asked for.
      const token = (await context.cookies()).find(cookie => cookie.name === 'auth.token')!.value
      const access = panel.locator('[data-token="Access token"]')
      await expect.poll(() => access.textContent()).toMatch(/JWT \(HS256\).*expires in \d+:\d\d/)
      expect(await access.textContent()).toContain('Grace')
      expect(await panel.locator('body').textContent()).not.toContain(token)
      await panel.locator('[data-toggle="raw"]').check()
      await expect.poll(() => access.locator('[data-raw]').textContent()).toBe(token)
      await panel.locator('[data-toggle="raw"]').uncheck()
      await expect.poll(() => panel.locator('[data-raw]').count()).toBe(0)
      // The guard's decisions: the server's for the login page, the browser's for the protected page after the sign-in.
      await expect.poll(() => panel.locator('[data-guard="allow"]').allTextContents()).toEqual(expect.arrayContaining([
        expect.stringMatching(/^\S+client\/allowno auth page meta: protected by globalAppMiddleware; signed in$/),
        expect.stringMatching(/^\S+server\/loginallowpage meta auth: 'guest'/),
      ]))
      await expect.poll(() => panel.locator('[data-event="signedIn"]').count()).toBe(1)

      // Refresh: one refresh at the backend, logged as the DevTools button's, refreshed.
      const before = (await stats()).refreshes
      await panel.locator('[data-action="refresh"]').click()
      await expect.poll(() => panel.locator('[data-result="refresh"]').textContent()).toMatch(/^refresh: /)
      expect((await stats()).refreshes).toBe(before + 1)
      await expect.poll(() => panel.locator('[data-refresh="refreshed"]').allTextContents()).toEqual([expect.stringContaining('DevTools button')])
      expect((await context.cookies()).find(cookie => cookie.name === 'auth.token')!.value).not.toBe(token)

      // Re-check asks the backend for the session; Sign out ends it in the app.
      await panel.locator('[data-action="recheck"]').click()
      await expect.poll(() => panel.locator('[data-result="recheck"]').textContent()).toMatch(/^recheck: /)
      await panel.locator('[data-action="signOut"]').click()
      await page.waitForURL(url => url.pathname === '/login')
      await expect.poll(() => panel.locator('[data-status]').textContent()).toBe('unauthenticated')
      await expect.poll(() => panel.locator('[data-event="signedOut"]').count()).toBe(1)
      expect((await context.cookies()).map(cookie => cookie.name)).not.toContain('auth.token')
      await session.assertClean()
    }
    finally {
      dev.stop()
    }
  }, 300_000)
})

/** Where Nuxt DevTools' permission request, printed by the dev server, sends the user. */
const AUTHORIZE_DEVTOOLS = /\/__nuxt_devtools__\/auth\?token=[\w-]+/

/** The frame whose URL contains `path` (the DevTools client, the tab's page inside it), once it has loaded. */
async function frame(page: Page, path: string): Promise<Frame> {
  await expect.poll(() => page.frames().some(candidate => candidate.url().includes(path)), { timeout: 30_000 }).toBe(true)
  const found = page.frames().find(candidate => candidate.url().includes(path))!
  await found.waitForLoadState('load')
  return found
}

/**
 * Nuxt DevTools as a returning user sees it: its welcome page dismissed, and opening on the tab last looked at, the
 * module's (DevTools keeps both in localStorage). DevTools' own downloads from the internet (web fonts, icon sets,
 * the module catalogue) are answered here: the test machine may be offline, and their failures would be console
 * errors that are not the module's. Anything else on another origin fails the test.
 */
async function offlineDevtools(context: BrowserContext) {
  await context.addInitScript(() => {
    // Runs in every frame; in those with an opaque origin (sandboxed, data: URLs) reading localStorage throws.
    if (window.origin === 'null') return
    localStorage.setItem('nuxt-devtools-first-visit', 'false')
    localStorage.setItem('nuxt-devtools-frame-state', JSON.stringify({ route: '/modules/custom-nuxt-gatekeeper' }))
  })
  await context.route(url => url.hostname !== '127.0.0.1', async (route) => {
    const url = new URL(route.request().url())
    const iconSet = /^\/@iconify-json\/([\w-]+)\/icons\.json$/.exec(url.pathname)?.[1]
    if (url.hostname === 'esm.sh' && iconSet) return await route.fulfill({ json: { prefix: iconSet, icons: {} } })
    if (url.hostname === 'api.nuxt.com' && url.pathname === '/modules') return await route.fulfill({ json: { modules: [] } })
    if (url.hostname === 'fonts.gstatic.com') return await route.fulfill({ contentType: 'font/woff2', body: '' })
    return await route.abort()
  })
}
