import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { TestProject } from 'vitest/node'
import { preparePackagedApps } from './packaged-apps'
import { startRedis } from './redis'
import { onFreePort, serveBuilt } from './serve'
import { startOidcProvider, testClient, TEST_CLIENT_ID, TEST_CLIENT_SECRET } from '../oidc/provider.mjs'

const run = promisify(execFile)
// Short enough for several expiries per test, long enough that a refresh never races its own token.
const REFRESH_ACCESS_TTL = 6
const repoRoot = fileURLToPath(new URL('../..', import.meta.url))

declare module 'vitest' {
  export interface ProvidedContext {
    localBaseURL: string
    httpOnlyBaseURL: string
    refreshBaseURL: string
    /** The refresh fixture with httpOnly cookies for both tokens (test/fixtures/refresh-httponly). */
    refreshHttpOnlyBaseURL: string
    /** Access-token lifetime of the refresh fixture's server, seconds. */
    refreshAccessTtl: number
    authjsBaseURL: string
    /** Where the packed module's test apps are prepared (see packaged-apps.ts). */
    packagedWorkDir: string
    /** An app written for @sidebase/nuxt-auth (test/fixtures/sidebase-local); its access tokens live 4 s. */
    sidebaseLocalBaseURL: string
    /** The same app with the incumbent's default globalAppMiddleware (off), pages listing the guard (test/fixtures/sidebase-listed). */
    sidebaseListedBaseURL: string
    /** The test OpenID provider (test/oidc/provider.mjs) the authjs fixture signs in with. */
    oidcIssuer: string
    /** The authjs fixture built with `defaultProvider` (test/fixtures/authjs-default-provider); its test serves it with its own OpenID provider. */
    authjsDefaultProviderFixtureDir: string
    /** The built session-mode fixture (test/fixtures/sessions); its test files serve it the ways they need. */
    sessionsFixtureDir: string
    /** The built refresh fixture with auth.sharedState on Redis (test/fixtures/refresh-shared). */
    refreshSharedFixtureDir: string
    /** The refresh fixture generated as a static site (test/fixtures/static); its test serves the files. */
    staticFixtureDir: string
    /** The tests' Redis (REDIS_URL, or one started for the run). */
    redisUrl: string
  }
}

type BuildCommand = 'build' | 'generate'
/** Every fixture the e2e tier serves, in the order the set-up needs them; `generate` builds a static site. */
const FIXTURES: Array<[name: string, command: BuildCommand]> = [
  ['local', 'build'], ['local-httponly', 'build'], ['refresh', 'build'], ['refresh-httponly', 'build'],
  ['sidebase-local', 'build'], ['sidebase-listed', 'build'], ['authjs', 'build'], ['authjs-default-provider', 'build'],
  ['sessions', 'build'], ['refresh-shared', 'build'], ['static', 'generate'],
]
// A Nuxt build keeps about one core busy (bundling is single-threaded), so two at a time fill this 2-core machine's
// idle time (output, minifying, Nitro's own bundle) while the first fixtures can already be served.
const BUILDS_AT_ONCE = 2

/** Runs tasks, at most `concurrency` at a time, in the order they were handed over; none starts once stopped. */
function limitTo(concurrency: number) {
  let running = 0
  let stopped = false
  const waiting: Array<() => void> = []
  const limit = async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= concurrency) await new Promise<void>(resolve => waiting.push(resolve))
    if (stopped) {
      waiting.shift()?.()
      throw new Error('not started: the e2e set-up stopped')
    }
    running++
    try {
      return await task()
    }
    finally {
      running--
      waiting.shift()?.()
    }
  }
  return Object.assign(limit, { stop: () => void (stopped = true) })
}

/**
 * Starts every fixture's build (unless E2E_REUSE_BUILD=1 outside CI), BUILDS_AT_ONCE at a time in FIXTURES' order;
 * returns each one's promise of its folder.
 */
function buildFixtures() {
  const reuse = process.env.E2E_REUSE_BUILD && !process.env.CI
  const limit = limitTo(BUILDS_AT_ONCE)
  const builds = new Map(FIXTURES.map(([name, command]) => {
    const dir = fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))
    // E2E_REUSE_BUILD=1 serves the last builds (a quick re-run while writing tests; never in CI).
    const build = reuse ? Promise.resolve(dir) : limit(() => run('npx', ['nuxi', command, dir], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 })).then(() => dir)
    // Failures are thrown where the set-up awaits the fixture; one it never reaches is no unhandled rejection.
    build.catch(() => {})
    return [name, build]
  }))
  return {
    fixtureDir: (name: string) => builds.get(name)!,
    /** Starts no more builds, and settles once none runs any more: nothing writes into a fixture after the set-up gave up. */
    settled: () => {
      limit.stop()
      return Promise.allSettled(builds.values())
    },
  }
}

/** Builds each fixture once (two at a time) and serves it for every e2e file. */
export default async function setup(project: TestProject) {
  // The fixtures extend the playground, whose config (auth options, session mode, a local OpenID provider on a fixed
  // port) follows PLAYGROUND_PROVIDER: a value exported for `npm run dev` must not reach the fixtures' builds and
  // servers, which inherit this environment. Each fixture names its playground mode in its own nuxt.config.
  delete process.env.PLAYGROUND_PROVIDER
  const servers: Array<{ stop: () => void }> = []
  const { fixtureDir, settled } = buildFixtures()
  const buildAndServe = async (name: string, env: Record<string, string> = {}, { readyPath = '/api/_test/counters' }: { readyPath?: string } = {}) =>
    await serveBuilt(await fixtureDir(name), env, { readyPath })
  // The packaged apps install in the background while the fixtures build (packaged.test.ts waits for them).
  const packagedWorkDir = mkdtempSync(join(tmpdir(), 'gatekeeper-packaged-'))
  const packaging = preparePackagedApps(packagedWorkDir)
  project.provide('packagedWorkDir', packagedWorkDir)
  const stopAll = async () => {
    servers.forEach(server => server.stop())
    await settled()
    await packaging.catch(() => {})
    rmSync(packagedWorkDir, { recursive: true, force: true })
  }
  try {
    const local = await buildAndServe('local')
    servers.push(local)
    const httpOnly = await buildAndServe('local-httponly')
    servers.push(httpOnly)
    const refresh = await buildAndServe('refresh', { NUXT_ACCESS_TOKEN_TTL: String(REFRESH_ACCESS_TTL) })
    servers.push(refresh)
    project.provide('localBaseURL', local.baseURL)
    project.provide('httpOnlyBaseURL', httpOnly.baseURL)
    project.provide('refreshBaseURL', refresh.baseURL)
    project.provide('refreshAccessTtl', REFRESH_ACCESS_TTL)
    // auth.forward points at this very server's test upstream route, whose port is known only when it is served.
    const refreshHttpOnlyDir = await fixtureDir('refresh-httponly')
    const refreshHttpOnly = await onFreePort(port => serveBuilt(refreshHttpOnlyDir, {
      NUXT_ACCESS_TOKEN_TTL: String(REFRESH_ACCESS_TTL),
      NUXT_AUTH_FORWARD: JSON.stringify({ '/api/upstream': `http://127.0.0.1:${port}/api/_test/upstream` }),
    }, { port, readyPath: '/api/_test/counters' }))
    servers.push(refreshHttpOnly)
    project.provide('refreshHttpOnlyBaseURL', refreshHttpOnly.baseURL)
    const sidebaseLocal = await buildAndServe('sidebase-local', { ACCESS_TOKEN_SECONDS: '4' }, { readyPath: '/api/_test/stats' })
    servers.push(sidebaseLocal)
    project.provide('sidebaseLocalBaseURL', sidebaseLocal.baseURL)
    const sidebaseListed = await buildAndServe('sidebase-listed', { ACCESS_TOKEN_SECONDS: '60' }, { readyPath: '/api/_test/stats' })
    servers.push(sidebaseListed)
    project.provide('sidebaseListedBaseURL', sidebaseListed.baseURL)

    // Auth.js against a real OpenID provider: the app's port is picked first (after the build, so nothing takes
    // it meanwhile), because the provider must know the redirect URI and the app its own public URL (AUTH_URL).
    const authjsDir = await fixtureDir('authjs')
    const { op, authjs } = await onFreePort(async (port) => {
      const authjsBaseURL = `http://127.0.0.1:${port}`
      const op = await startOidcProvider({ clients: [testClient([`${authjsBaseURL}/api/auth/callback/oidc-test`])] })
      const authjs = await serveBuilt(authjsDir, {
        AUTH_URL: authjsBaseURL,
        AUTH_SECRET: 'e2e-only-auth-secret-0123456789abcdef0123',
        OIDC_ISSUER: op.issuer,
        OIDC_CLIENT_ID: TEST_CLIENT_ID,
        OIDC_CLIENT_SECRET: TEST_CLIENT_SECRET,
      }, { port, readyPath: '/api/auth/providers' }).catch(async (error) => {
        await op.close()
        throw error
      })
      return { op, authjs }
    })
    servers.push({ stop: () => void op.close() })
    servers.push(authjs)
    project.provide('authjsBaseURL', authjs.baseURL)
    project.provide('oidcIssuer', op.issuer)
    project.provide('authjsDefaultProviderFixtureDir', await fixtureDir('authjs-default-provider'))
    // Session mode: one build, served by its test files (memory, fs, two instances on Redis).
    const redis = await startRedis()
    servers.push(redis)
    project.provide('redisUrl', redis.url)
    project.provide('sessionsFixtureDir', await fixtureDir('sessions'))
    project.provide('refreshSharedFixtureDir', await fixtureDir('refresh-shared'))
    project.provide('staticFixtureDir', await fixtureDir('static'))
  }
  catch (error) {
    await stopAll()
    throw error
  }
  return stopAll
}
