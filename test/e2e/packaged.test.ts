import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The other tiers load src/ directly; this one checks what npm would ship: build, pack, install the tarball
// as node_modules/nuxt-gatekeeper, build an app that names the module, and serve it.
const run = promisify(execFile)
const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const fixtureDir = fileURLToPath(new URL('../fixtures/packaged', import.meta.url))
const installed = join(repoRoot, 'node_modules', 'nuxt-gatekeeper')
let baseURL = ''
let stop = () => {}
let packedFiles: string[] = []

beforeAll(async () => {
  const packDir = mkdtempSync(join(tmpdir(), 'gatekeeper-pack-'))
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 })
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string, files: Array<{ path: string }> }>
  packedFiles = packed!.files.map(file => file.path)
  rmSync(installed, { recursive: true, force: true })
  await run('mkdir', ['-p', installed])
  await run('tar', ['xzf', join(packDir, packed!.filename), '-C', installed, '--strip-components=1'])
  rmSync(packDir, { recursive: true, force: true })
  await run('npx', ['nuxi', 'build', fixtureDir], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 })
  const port = 20000 + Math.floor(Math.random() * 20000)
  baseURL = `http://127.0.0.1:${port}`
  const server = spawn(process.execPath, ['.output/server/index.mjs'], { cwd: fixtureDir, env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' }, stdio: 'ignore' })
  stop = () => server.kill('SIGTERM')
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await fetch(`${baseURL}/login`).then(response => response.ok, () => false)) return
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error('the packaged fixture did not start')
}, 240_000)

afterAll(() => {
  stop()
  rmSync(installed, { recursive: true, force: true })
})

describe('the published package', () => {
  it('ships the compiled module, runtime and providers, and no sources or tests', () => {
    expect(packedFiles).toContain('dist/module.mjs')
    expect(packedFiles).toContain('dist/runtime/app/plugins/auth.js')
    expect(packedFiles).toContain('dist/providers/local/client.mjs')
    expect(packedFiles).toContain('dist/providers/refresh/client.mjs')
    expect(packedFiles).toContain('dist/providers/authjs/client.mjs')
    expect(packedFiles).toContain('dist/providers/authjs/server/handler.mjs')
    expect(packedFiles).toContain('dist/providers/authjs/server/auth-config.d.ts')
    expect(packedFiles.filter(file => /^(?:src|test|playground|docs)\//.test(file))).toEqual([])
  })

  it('works in an app that lists it by name: SSR session check, guard redirect', async () => {
    const signedIn = await fetch(baseURL, { headers: { cookie: 'auth.token=good; auth.refresh-token=r' } })
    expect(await signedIn.text()).toMatch(/authenticated:Packaged/)
    const anonymous = await fetch(baseURL, { redirect: 'manual' })
    expect(anonymous.status).toBe(302)
    expect(anonymous.headers.get('location')).toBe('/login?redirect=/')
  })

  it('types an app\'s SessionData and every option from the package (app/type-tests.ts)', async () => {
    // Fails on any error, an unused @ts-expect-error included (a type that degraded to any).
    const check = await run('npx', ['vue-tsc', '--noEmit', '-p', join(fixtureDir, '.nuxt', 'tsconfig.app.json')], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 }).then(() => 'clean', (error: { stdout?: string }) => error.stdout ?? String(error))
    expect(check).toBe('clean')
  }, 120_000)
})
