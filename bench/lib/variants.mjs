// The app variants the bench builds: the same base app (bench/base) with no auth module, nuxt-gatekeeper
// (local, refresh, httpOnly, session mode) or @sidebase/nuxt-auth (local, local with refresh); and for client bytes
// only, the same app with a useFetch page, and with an Auth.js provider in each module.
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { clientParts } from '../../scripts/client-parts.mjs'
import { BENCH_SECRET } from '../fixtures.mjs'

const run = promisify(execFile)
export const benchDir = fileURLToPath(new URL('..', import.meta.url))

/**
 * `auth`: has an auth module. `refresh`: has refresh tokens (the scenarios that need one are n/a otherwise).
 * `builtAs`: served from another variant's build, with `env` (no build of its own). `sessions`: session mode
 * (signed in through /api/_auth/signin, a session cookie; the browser scenarios, written for token cookies, skip
 * it). `redis`: needs the bench's Redis (its URL is added to `env` by run.mjs). `accessOnly`: the visitor's cookie
 * is the access token alone (no refresh token cookie), measured SSR only. `httpOnly`: both token cookies httpOnly
 * (the browser scenarios, which set a token from page code, skip it).
 */
export const VARIANTS = [
  { name: 'bare', label: 'bare (no auth)', auth: false, refresh: false },
  { name: 'gatekeeper-local', label: 'nuxt-gatekeeper local', auth: true, refresh: false },
  { name: 'gatekeeper-local-jwt', label: 'nuxt-gatekeeper local, JWT verified on the server', auth: true, refresh: false, builtAs: 'gatekeeper-local', env: { NUXT_AUTH_JWT_VERIFICATION_SECRET: BENCH_SECRET } },
  { name: 'gatekeeper-refresh', label: 'nuxt-gatekeeper refresh', auth: true, refresh: true },
  { name: 'gatekeeper-refresh-access-only', label: 'nuxt-gatekeeper refresh, access token cookie only', auth: true, refresh: true, builtAs: 'gatekeeper-refresh', accessOnly: true },
  { name: 'gatekeeper-httponly', label: 'nuxt-gatekeeper refresh, httpOnly cookies', auth: true, refresh: true, httpOnly: true },
  { name: 'gatekeeper-sessions', label: 'nuxt-gatekeeper session mode, memory', auth: true, refresh: true, sessions: true, env: { NUXT_AUTH_SESSIONS_SECRET: BENCH_SECRET } },
  { name: 'gatekeeper-sessions-redis', label: 'nuxt-gatekeeper session mode, Redis', auth: true, refresh: true, sessions: true, redis: true, builtAs: 'gatekeeper-sessions', env: { NUXT_AUTH_SESSIONS_SECRET: BENCH_SECRET, NUXT_AUTH_SESSIONS_STORAGE: 'redis' } },
  { name: 'sidebase-refresh', label: '@sidebase/nuxt-auth 1.3.1 local+refresh', auth: true, refresh: true },
  { name: 'sidebase-local', label: '@sidebase/nuxt-auth 1.3.1 local', auth: true, refresh: false },
].map(variant => ({ env: {}, ...variant, dir: join(benchDir, 'variants', variant.builtAs ?? variant.name) }))

/**
 * The app with an Auth.js provider in each module (bench/authjs: a credentials sign-in, the same pages and backend),
 * built for client bytes only, beside bare: nuxt-gatekeeper's `authjs` (@auth/core) and the incumbent's (next-auth
 * v4, in its own dependency tree). The SSR and browser scenarios are written for token cookies.
 */
export const AUTHJS = [
  { name: 'gatekeeper-authjs', label: 'nuxt-gatekeeper authjs', auth: true, refresh: false },
  { name: 'sidebase-authjs', label: '@sidebase/nuxt-auth 1.3.1 authjs', auth: true, refresh: false },
].map(variant => ({ env: {}, ...variant, dir: join(benchDir, 'variants', variant.name) }))

/** The builds with a dependency tree of their own (a package.json beside their nuxt.config): the incumbent's. */
export const OWN_INSTALL = [...VARIANTS, ...AUTHJS].filter(variant => !variant.builtAs && existsSync(join(variant.dir, 'package.json'))).map(variant => variant.name)

/**
 * The same apps with one more page that loads its data with useFetch, as most Nuxt apps do (bench/usefetch; each
 * variant's `with-usefetch` folder extends the variant and that layer). Built for their client bytes only: what a
 * module adds to an app that already loads Nuxt's data-fetching composables, which the incumbent's runtime uses and
 * nuxt-gatekeeper's does not. The first is the baseline.
 */
export const WITH_USEFETCH = ['bare', 'gatekeeper-local', 'gatekeeper-refresh', 'sidebase-local', 'sidebase-refresh']
  .map(name => VARIANTS.find(variant => variant.name === name))
  .map(variant => ({ ...variant, dir: join(variant.dir, 'with-usefetch') }))

export async function buildVariant(variant) {
  await run('npx', ['nuxi', 'build', variant.dir], { cwd: benchDir, maxBuffer: 64 * 1024 * 1024 })
}

/** Total and gzip (level 9) bytes of every JS file the browser can load. */
export function clientJsBytes(variant) {
  const dir = join(variant.dir, '.output', 'public', '_nuxt')
  let total = 0
  let gzip = 0
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.js')) continue
    const content = readFileSync(join(dir, file))
    total += content.length
    gzip += gzipSync(content, { level: 9 }).length
  }
  return { total, gzip }
}

/**
 * Gzip (level 9) and raw bytes of every client JS file, and of the files every page loads first (the entry and its
 * static imports, scripts/client-parts.mjs's `initial`), from clientJsParts()'s result.
 * @param {import('../../scripts/client-parts.mjs').ClientParts} parts
 */
export function allAndInitialBytes(parts) {
  const initial = new Set(parts.initial)
  const first = parts.files.filter(file => initial.has(file.file))
  return {
    all: { total: parts.total, gzip: parts.gzip },
    initial: { total: first.reduce((sum, file) => sum + file.total, 0), gzip: first.reduce((sum, file) => sum + file.gzip, 0) },
  }
}

/**
 * The same JS by part (the module's parts, Pinia, the app) and by npm package, from the source maps the build
 * writes beside each chunk (bench/base/nuxt.config.ts: `sourcemap: { client: 'hidden' }`); see
 * scripts/client-parts.mjs. Its `total` and `gzip` equal clientJsBytes().
 */
export async function clientJsParts(variant) {
  return await clientParts(variant.dir)
}
