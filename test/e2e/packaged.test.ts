import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, inject, it, beforeAll, afterAll } from 'vitest'
import { openSession, useChromium, waitForHydration } from './helpers'
import { CELLS, cellId, runWith, type Prepared } from './packaged-apps'
import { serveBuilt } from './serve'

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
  let baseURL = ''
  let stop = () => {}

  beforeAll(async () => {
    const app = await prepared<Exclude<Prepared, { error: string }>>(cellId(cell))
    appDir = app.appDir
    const node = app.node
    await runWith(node, join(appDir, 'node_modules', '.bin', 'nuxi'), ['build'], appDir)
    // The browser test has tokens of 4 s: no other cell's install may still load the machine.
    await Promise.all(CELLS.map(other => prepared(cellId(other)).catch(() => {})))
    // Access tokens of 4 s: a page opened after a few seconds needs a refresh first.
    const server = await serveBuilt(appDir, { ACCESS_TOKEN_SECONDS: '4' }, { node, readyPath: '/login' })
    baseURL = server.baseURL
    stop = server.stop
  }, 480_000)
  afterAll(() => stop())

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
})
