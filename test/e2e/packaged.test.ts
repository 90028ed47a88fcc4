import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSession, useChromium, waitForHydration } from './helpers'
import { serveBuilt } from './serve'

// What npm ships, as a user gets it: the module is built and packed, and the tarball is installed with npm's
// own resolution into a fresh app outside this repository (test/fixtures/packaged: the README's quick start
// with the copy-paste backend). One such app per cell of the compatibility matrix below; each is built with
// its Node and Nuxt and driven in Chromium. Work-arounds for upstream breakage go into the test app (overrides),
// never into the module.
interface Cell {
  node: 20 | 22
  nuxt: string
  /** npm overrides the test app needs with this Nuxt (see ../shared/TOOLCHAIN.md). */
  overrides?: Record<string, string>
  /** The full checks (packed files, types with vue-tsc) run once, in the main cell. */
  main?: boolean
}
const CELLS: Cell[] = [
  { node: 20, nuxt: '4.4.5', main: true },
  // Nuxt 4.5 declares Node ^22.19; vite 8.4.0 (rolldown 1.3.3) breaks `nuxi build` for any app on it.
  { node: 22, nuxt: '4.5.2', overrides: { vite: '8.3.8' } },
  { node: 22, nuxt: '3.21.11' },
]
const NODE_22 = '22.23.3'

const run = promisify(execFile)
const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const fixtureDir = fileURLToPath(new URL('../fixtures/packaged', import.meta.url))
const workDir = mkdtempSync(join(tmpdir(), 'gatekeeper-packaged-'))
const browser = useChromium()
const big = { maxBuffer: 64 * 1024 * 1024 }

/** Runs a command with `node` first on PATH (npm, nuxi and vue-tsc then run on that Node). */
async function runWith(node: string, command: string, args: string[], cwd: string) {
  const env = { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH}`, NODE_ENV: undefined }
  try {
    return await run(command, args, { cwd, env, ...big })
  }
  catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string, stderr?: string }
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`, { cause: error })
  }
}

let packed: Promise<{ tarball: string, files: string[] }>
let node22: Promise<string>
const installs = new Map<Cell, Promise<string>>()

async function pack() {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', workDir], { cwd: repoRoot, ...big })
  const [info] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string, files: Array<{ path: string }> }>
  return { tarball: join(workDir, info!.filename), files: info!.files.map(file => file.path) }
}

/** Node 22 from the npm registry (the `node` package), kept between local runs. */
async function installNode22(): Promise<string> {
  const prefix = join(repoRoot, 'node_modules', '.cache', `gatekeeper-node-${NODE_22}`)
  const binary = join(prefix, 'node_modules', 'node', 'bin', 'node')
  if (!existsSync(binary)) {
    mkdirSync(prefix, { recursive: true })
    await run('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', `node@${NODE_22}`], big)
  }
  return binary
}

async function nodeFor(cell: Cell) {
  return cell.node === 20 ? process.execPath : await node22
}

/** A fresh app with this cell's Nuxt and the tarball, installed by npm. */
async function install(cell: Cell): Promise<string> {
  const appDir = join(workDir, `nuxt-${cell.nuxt}-node-${cell.node}`)
  for (const entry of ['app', 'server', 'nuxt.config.ts']) cpSync(join(fixtureDir, entry), join(appDir, entry), { recursive: true })
  const { tarball } = await packed
  writeFileSync(join(appDir, 'package.json'), JSON.stringify({
    name: 'gatekeeper-test-app',
    private: true,
    type: 'module',
    dependencies: { 'nuxt': cell.nuxt, 'nuxt-gatekeeper': `file:${tarball}`, 'jose': '^6.2.17' },
    // What a TypeScript app has, for the type check: node types for its server code too.
    devDependencies: cell.main ? { 'vue-tsc': '^3.3.14', 'typescript': '5.9.3', '@types/node': '^20.19.0' } : {},
    overrides: cell.overrides ?? {},
  }, null, 2))
  await runWith(await nodeFor(cell), 'npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], appDir)
  return appDir
}

beforeAll(() => {
  packed = pack()
  node22 = installNode22()
  // Installs are mostly network and disk: all cells at once, while the first one builds.
  for (const cell of CELLS) installs.set(cell, install(cell))
  for (const promise of [packed, node22, ...installs.values()]) promise.catch(() => {})
})

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true })
})

describe.each(CELLS)('the packed module in a fresh app: Node $node, Nuxt $nuxt', (cell) => {
  let appDir = ''
  let baseURL = ''
  let stop = () => {}

  beforeAll(async () => {
    appDir = await installs.get(cell)!
    const node = await nodeFor(cell)
    await runWith(node, join(appDir, 'node_modules', '.bin', 'nuxi'), ['build'], appDir)
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
    await page.getByTestId('submit').click()
    await page.waitForURL(url => url.pathname === '/')
    await expect.poll(async () => (await page.getByTestId('session').textContent())?.trim()).toBe('authenticated:Ada')

    // The tab closed past the access token's lifetime (no tab refreshed meanwhile): the server refreshes
    // before it renders the next visit, which stays signed in.
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
    await next.getByTestId('refresh').click()
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
    const { files } = await packed
    for (const file of ['dist/module.mjs', 'dist/types.d.mts', 'dist/runtime/app/plugins/auth.js', 'dist/providers/index.d.mts', 'dist/providers/local/client.mjs', 'dist/providers/refresh/client.mjs', 'dist/providers/authjs/client.mjs', 'dist/providers/authjs/server/handler.mjs', 'dist/providers/authjs/server/auth-config.d.ts', 'LICENSE', 'README.md']) {
      expect(files, file).toContain(file)
    }
    expect(files.filter(file => /^(?:src|test|playground|docs|bench|scripts)\//.test(file))).toEqual([])
  })

  it('types the app\'s SessionData and every option from the package (app/type-tests.ts, vue-tsc)', async () => {
    // Fails on any error, an unused @ts-expect-error included (a type that degraded to any).
    const check = await runWith(process.execPath, join(appDir, 'node_modules', '.bin', 'vue-tsc'), ['--noEmit', '-p', join(appDir, '.nuxt', 'tsconfig.app.json')], appDir).then(() => 'clean', (error: Error) => error.message)
    expect(check).toBe('clean')
  }, 120_000)
})
