// The module's client JS in the built fixtures, part by part (scripts/client-parts.mjs reads each chunk's hidden
// source map): a size budget per fixture, and which parts each configuration carries. The fixtures are built by
// the e2e set-up (test/e2e/global-setup.ts) with `sourcemap: { client: 'hidden' }` (test/fixtures/local, which
// the token fixtures extend, and test/fixtures/authjs).
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { APP_PART, UNMAPPED, clientParts, moduleSourceContents } from '../../scripts/client-parts.mjs'
import { builtRenderMark } from './serve'

type Parts = Awaited<ReturnType<typeof clientParts>>

/**
 * Gzip bytes (level 9, each chunk's size shared out among its parts, see scripts/client-parts.mjs) of
 * nuxt-gatekeeper's own parts plus Pinia in each fixture's client JS: the size measured when the budget was set,
 * plus about 4 %. Bytes, not times: the same sources give the same bytes on any machine, so the margin only has
 * to absorb small drift (a Vue or Nuxt update moving a few bytes between chunks), not noise.
 *
 * To update after a change that adds code on purpose: build the fixture (`npx nuxi build test/fixtures/<name>`),
 * run `node scripts/client-parts.mjs test/fixtures/<name>`, add up the gzip column of every row except `app`
 * and `(unmapped)`, and set the budget to that sum × 1.04 (rounded up). Lower it when a change saves bytes.
 */
// Measured 2026-12-01 (Nuxt 4.4.5, Vite 7), after the refresher, the tab lock and Pinia went where they are configured:
// local 10 714, refresh 13 709 (1 298 of it the lease lock's lazy chunk, for browsers without Web Locks),
// local-httponly 10 765, refresh-httponly 10 726, sessions 10 726, authjs 10 743 (no Pinia anywhere: no fixture uses
// @pinia/nuxt). Before: 15 415, 15 831, 15 452, 15 412, 15 417, 13 523.
// Measured 2026-12-01 evening, after an explicit refresh() where the page cannot read the refresh token began to
// renew through the refresh route (app/server-held-refresh.ts, about 0.16 kB of it): refresh-httponly 11 331,
// sessions about the same.
// Measured 2026-12-02 (CI on 120f239), after the server-render cuts that also reach the browser: the payload's
// state parsed by position, useAuth()/useAuthState() making each ref when first read (0.11 kB of the manager part),
// the token views' `seen()`: local 11 285, local-httponly 11 280, authjs 11 247 (the others stayed within budget).
// Measured 2026-12-02 (Nuxt 4.4.5, Vite 7), after sign-in and sign-up became a chunk of their own (app/sign-in.ts,
// loaded once nobody is signed in): every chunk local 11 853, refresh 14 967, local-httponly 11 886, refresh-httponly
// 12 100, sessions 12 100, authjs 11 869 (a small chunk compresses worse than the same code inside a large one: about
// 0.6 kB more over all chunks); what every page loads first local 10 227, refresh 12 070, local-httponly 10 260,
// refresh-httponly 10 475, sessions 10 475, authjs 10 513 (about 0.55 kB less than before).
// Measured 2026-12-02 (Nuxt 4.4.5, Vite 7), after the code that calls the backend (shared/request.ts) and the
// provider's client strategy joined sign-in in one lazy chunk (app/backend-code.ts; the browser's strategy is a
// stand-in until it loads, app/lazy-strategy.ts): what every page loads first local 8 620, refresh 10 073,
// local-httponly 8 807, refresh-httponly 9 253, sessions 9 253, authjs 8 667 (1.4 to 2.0 kB less); every chunk
// local 12 084, refresh 15 305, local-httponly 12 128, refresh-httponly 12 614, sessions 12 614, authjs 12 282 (up to
// 0.5 kB more: the code moved compresses worse in a chunk of its own, and the stand-in and its loader are new).
// Measured 2026-12-03 (Nuxt 4.4.5, Vite 7), after the browser's cookie jar stopped importing cookie-es
// (app/document-jar.ts): every chunk local 11 795, refresh 14 801, local-httponly 11 739, refresh-httponly 11 891,
// sessions 11 894, authjs 11 784; what every page loads first local 8 189, refresh 9 422, local-httponly 8 280,
// refresh-httponly 8 393, sessions 8 394, authjs 8 127.
// Measured 2026-12-04 (Nuxt 4.4.5, Vite 7), after the browser stopped carrying the refresh provider's own backend
// refresh, which only the server calls where it rotates the tokens (providers/refresh/client-without-refresh.ts):
// every chunk refresh 14 578 (the others unchanged); what every page loads first unchanged.
// Measured 2026-12-04 later, after the lease lock was rewritten smaller and two server-only module constants
// (refresh-dedupe's map, expiring-cache's node:crypto) stopped reaching the browser: every chunk local 11 762,
// refresh 14 326, local-httponly 11 676, refresh-httponly 11 847, sessions 11 847, authjs 11 771; what every page
// loads first local 8 155, refresh 9 393, local-httponly 8 216, refresh-httponly 8 347, sessions 8 347, authjs 8 113.
// Measured 2026-12-04 later still, after a provider that keeps no tokens (authjs) stopped carrying the token store,
// its cookie jar and JWT decoding (app/no-tokens.ts in their place): authjs every chunk 10 802, first load 7 145
// (0.97 kB less each); the others unchanged.
// Measured 2026-12-05, after that session's fixes (a refresh failure no longer signs out, a check overtaken by another
// tab asks again, the query of a redirect target decoded leniently, tokens never in a session read from a sign-in
// answer, Auth.js's actions on every useAuth(), the global guard leaving pages that list it by name) and with
// withoutPointer in a file of its own (it rode in the first chunk): every chunk local 12 128, refresh 14 978,
// local-httponly 11 942, refresh-httponly 12 245, sessions 12 245, authjs 11 098; what every page loads first local
// 8 228, refresh 9 705, local-httponly 8 376, refresh-httponly 8 643, sessions 8 643, authjs 7 337 (at the session's
// start, 2e867e6: every chunk local 11 800, refresh 14 430). Budgets within 1.5 % of these were set anew.
// Measured 2026-12-05 later, after the next session's fixes (signOut resolving with { url }, a sign-in landing where
// the backend says, callback URLs as document paths under app.baseURL, Auth.js's full base URL kept for its origin,
// the guard leaving the server's error page alone while hydrating): every chunk local 12 430, refresh 15 190,
// local-httponly 12 227, refresh-httponly 12 511, sessions 12 511, authjs 11 378; what every page loads first local
// 8 451, refresh 9 840, local-httponly 8 592, refresh-httponly 8 831, sessions 8 831, authjs 7 546 (0.25 to 0.36 kB
// more over every chunk, 0.13 to 0.24 kB more first). The budgets within 1.5 % of these, or over, were set anew to
// the figure + 4 %; the others are unchanged.
// Measured 2026-12-05 later still, after a 429 became RATE_LIMITED with the backend's Retry-After honoured by the
// automatic retries (the check that asks again keeps the last failure; about 0.1 kB of the first load, and the
// Retry-After reading in the lazy backend chunk): every chunk local 12 912, refresh 15 728, local-httponly 12 655,
// refresh-httponly 12 866, sessions 12 866, authjs 11 707; what every page loads first local 8 675, refresh 10 125,
// local-httponly 8 835, refresh-httponly 8 995, sessions 8 995, authjs 7 694 (at 6ab4fd0: every chunk local 12 527,
// refresh 15 439; first local 8 467, refresh 10 022; the whole entry file grew by 124 B gzip, the rest of the rise is
// the share-out moving with renamed identifiers). Same rule: budgets within 1.5 % of these, or over, set anew.
// Measured 2026-12-05 (the thirty-first session), after the fixture that the others extend (test/fixtures/local) got
// a public ssr:false page whose own middleware calls useAuth() (render-modes.test.ts): every chunk local 13 284,
// refresh 16 049, local-httponly 13 007, refresh-httponly 13 199, sessions 13 199; what every page loads first local
// 9 011, refresh 10 414, local-httponly 9 146, refresh-httponly 9 295, sessions 9 295. About 0.1 kB more each, all of
// it the share-out moving with the new page chunk (useAuth alone +32 B): without the page, local read 13 184 / 8 909,
// 2 B over the session's start for the module's own change (the SPA start awaiting the first check). authjs
// unchanged (11 835 / 7 766). Same rule for the fixtures that changed: budgets within 1.5 % of these set anew.
// Measured 2026-12-06 (the thirty-second session), after the guard learned to look again once a navigation under way
// has landed, and the check after hydrating stopped holding up Nuxt's own handlers: every chunk local 13 307, refresh
// 16 187, local-httponly 13 044, refresh-httponly 13 252, sessions 13 252, authjs 11 895; what every page loads first
// local 9 034, refresh 10 552, local-httponly 9 181, refresh-httponly 9 349, sessions 9 349, authjs 7 826 (23 to 138 B
// more). Same rule: refresh's every-chunk budget and authjs's first-load budget were within 1.5 %, set anew.
// Measured 2026-12-06 (the thirty-third session), after the guard started tracking navigations itself (one look again
// per navigation, past cancelled ones): every chunk local 13 405, refresh 16 117, local-httponly 13 112,
// refresh-httponly 13 319, sessions 13 319, authjs 11 966; first local 9 131, refresh 10 483, local-httponly 9 250,
// refresh-httponly 9 413, sessions 9 413, authjs 7 897 (about 70 B more, refresh 70 B less). All budgets keep 2.5 % or more.
// Measured 2026-12-06 (the thirty-fourth session), after fixes from audits and a review: the guard counts navigations
// from a first global middleware of its own (middleware/navigation-start.ts), the sanitiser takes a same-origin full
// URL under app.baseURL, the state element is found by a stricter selector, useAuthFetch judges cookies with the
// options' baseURL, the Auth.js client compares its answer with the callbackUrl sent; and the local fixture, which
// the others extend, got two pages (fetch-elsewhere, user-html). Every chunk local 13 652, refresh 16 630,
// local-httponly 13 465, refresh-httponly 13 711, sessions 13 711, authjs 12 344; first local 9 371, refresh 10 842,
// local-httponly 9 444, refresh-httponly 9 649, sessions 9 649, authjs 8 197 (0.25 to 0.5 kB more over every chunk,
// 0.19 to 0.36 kB more first; authjs, which has no new page, +0.38 / +0.30: about 0.9 kB raw, of it the manager part
// 0.27 (navigation counting, the state selector, useAuthFetch), the guard part 0.21 (the start middleware, the app's
// middleware names), the sanitiser's base 0.23, the Auth.js client 0.18). Every budget was within 1.5 % or over: all
// set anew to the figure + 4 %.
// Measured 2026-12-07 (the forty-second session), after fixes from three reviews: a check answered after a backend
// sign-out makes the backend hear of it again, a throwing auth:error hook is caught, useAuthState().store without Pinia
// is a reactive object with the state's keys, the guard decides after a navigation to the page on screen, refresh()
// without a verdict awaits the check. Every chunk local 14 028, refresh 17 112, local-httponly 13 941,
// refresh-httponly 14 229, sessions 14 229, authjs 12 716; first local 9 725, refresh 11 195, local-httponly 9 905,
// refresh-httponly 10 151, sessions 10 151, authjs 8 497 (against b10e2d0's builds, 0.17 to 0.28 kB more over every
// chunk and 0.15 to 0.27 kB first; raw, session.ts +0.32 kB, state.ts +0.25, navigation.ts +0.10, manager.ts +0.05).
// Two first-load budgets were over, every other within 1.5 %: all set anew to the figure + 4 %.
// Measured 2026-12-07 (the forty-third session), after the fixes of four reviews: the page's roles and ability applied
// again when a check changes the session (enforceAccess) or throws, <AuthCan> with a throwing ability, the render's
// origin for full-URL targets, the auth:request hook bounded by requestTimeout, tokens no header can carry refused at
// the store, the relay's answers checked for a session. Every chunk local 14 817, refresh 18 047, local-httponly
// 14 772, refresh-httponly 15 065, sessions 15 065, authjs 13 296; first local 10 351, refresh 11 963, local-httponly
// 10 502, refresh-httponly 10 763, sessions 10 763, authjs 8 918 (the higher of CI's and this machine's build). Against
// 5966f15's build of local, the module's sources add 0.34 kB gzip (token-store 0.10, request 0.08, navigation 0.08,
// scheduling 0.05); the rest since the budgets were set came with the forty-second session's timer fixes. Budgets over:
// all set anew to the figure + 4 %. Still below the incumbent on a first visit (13.0 kB), above it over every chunk.
// Measured 2026-12-07 (the forty-fourth session), after the fetch helper (useAuthFetch, 0.62 kB gzip inside the entry)
// became a chunk loaded by its first call, and its fixes (a Request's headers kept, bodies read once not sent again,
// the signal ending a refresh's wait) and those of a sign-in superseding a server refresh: first local 10 012, refresh
// 11 610, local-httponly 10 173, refresh-httponly 10 355, sessions 10 355, authjs 8 638 (0.23 to 0.40 kB less than the
// session began with); every chunk local 15 438, refresh 18 656, local-httponly 15 407, refresh-httponly 15 623,
// sessions 15 623, authjs 13 973 (0.56 to 0.74 kB more: the helper's chunk alone is 0.98 kB gzip, a small file
// compresses worse). All set anew to the figure + 4 %.
// Measured 2026-12-07 (the forty-fifth session): the composable useAuthFetch() is a file of its own and the helper's code
// another (app/auth-fetch.ts), so an app that calls the composable as it starts (the fixtures built on local now do, in
// a plugin) still loads the helper with its first call; a page whose render saw no token cookie while the browser
// holds one checks again (plugins/auth.ts +0.08 kB), the composables name the fix when called before the plugin
// (+0.08), `loading` before the first verdict. First local 10 161, refresh 11 847, local-httponly 10 330,
// refresh-httponly 10 493, sessions 10 493, authjs 8 765; every chunk local 15 563, refresh 18 869, local-httponly
// 15 542, refresh-httponly 15 739, sessions 15 739, authjs 14 078 (0.13 to 0.24 kB more). Budgets unchanged.
const GZIP_BUDGETS: Record<string, number> = {
  'local': 16_056,
  'refresh': 19_403,
  'local-httponly': 16_024,
  'refresh-httponly': 16_248,
  'sessions': 16_248,
  'authjs': 14_532,
}

/**
 * The same bytes counted only in the files every page loads first (the entry and its static imports): what a
 * signed-in visitor downloads, without the lazy chunks (the backend-calling code with sign-in, the lease lock, page
 * chunks). Same rule.
 */
const INITIAL_GZIP_BUDGETS: Record<string, number> = {
  'local': 10_413,
  'refresh': 12_075,
  'local-httponly': 10_580,
  'refresh-httponly': 10_770,
  'sessions': 10_770,
  'authjs': 8_984,
}

// Measured 2026-12-08 (the forty-ninth session): the history above stopped matching the builds, later commits spent
// the margins without saying so. Every chunk local 15 784, refresh 18 905, local-httponly 15 688, refresh-httponly
// 15 964, sessions 15 964, authjs 14 287; first local 10 362, refresh 11 863, local-httponly 10 458, refresh-httponly
// 10 701, sessions 10 701, authjs 8 959 (25 to 500 B below the budgets, which are left as they are: a budget that
// fails on the next change is doing its work, and is set anew then, by this rule, with the figures written here).

/**
 * The whole client of each fixture (the app, Nuxt, Vue and every package): the module's budgets above count its own
 * parts only, and bytes it pulls in from a package (ohash, cookie-es) or from Nuxt (a composable such as useCookie)
 * are the app's there. The fixtures' pages change seldom, so growth here is worth a look either way. Measured
 * 2026-12-08: local 104 107, refresh 108 360, local-httponly 104 152, refresh-httponly and sessions 105 164, authjs
 * 92 104; each budget is that figure + 1 000 B.
 */
const TOTAL_GZIP_BUDGETS: Record<string, number> = {
  'local': 105_107,
  'refresh': 109_360,
  'local-httponly': 105_152,
  'refresh-httponly': 106_164,
  'sessions': 106_164,
  'authjs': 93_104,
}

/**
 * The npm packages any fixture's client holds: Nuxt's, Vue's and the module's own (`nuxt-gatekeeper`, with Pinia and
 * jose counted in its parts). A package the module starts importing shows up here first, whatever its size.
 */
const CLIENT_PACKAGES = new Set(['(app)', '(unmapped)', '.cache', '@unhead/vue', '@vue/reactivity', '@vue/runtime-core', '@vue/runtime-dom', '@vue/shared', 'defu', 'destr', 'devalue', 'h3', 'hookable', 'nuxt', 'nuxt-gatekeeper', 'ofetch', 'perfect-debounce', 'ufo', 'unctx', 'unhead', 'vue-router'])

/**
 * What each fixture configures. `refreshToken`: a refresh token exists (the refresher has something to do).
 * `relay`: the browser reaches the backend through the module's /api/_auth routes (httpOnly cookies, session
 * mode). `provider`: the provider whose client strategy the browser runs; null where the relay stands in for it.
 * `tokens`: the provider keeps tokens in the module's cookies (Auth.js keeps its session in its own).
 */
const FIXTURES = [
  { name: 'local', provider: 'provider: local', tokens: true, refreshToken: false, relay: false },
  { name: 'refresh', provider: 'provider: refresh', tokens: true, refreshToken: true, relay: false },
  { name: 'local-httponly', provider: null, tokens: true, refreshToken: false, relay: true },
  { name: 'refresh-httponly', provider: null, tokens: true, refreshToken: true, relay: true },
  { name: 'sessions', provider: null, tokens: true, refreshToken: true, relay: true },
  { name: 'authjs', provider: 'provider: authjs', tokens: false, refreshToken: false, relay: false },
] as const

/** Provider parts a provider's client strategy is built from: the refresh strategy imports the local one. */
const PROVIDER_BUILDS_ON: Record<string, string[]> = {
  'provider: local': [],
  'provider: refresh': ['provider: local'],
  'provider: authjs': [],
}
/** The provider whose code the fixture itself configures (the relay fixtures too: the server runs it). */
const CONFIGURED_PROVIDER: Record<string, string> = {
  'local': 'provider: local',
  'refresh': 'provider: refresh',
  'local-httponly': 'provider: local',
  'refresh-httponly': 'provider: refresh',
  'sessions': 'provider: refresh',
  'authjs': 'provider: authjs',
}

/** The heavy composables of Nuxt's `#app` barrel: useAsyncData/useLazyAsyncData/useNuxtData…, useFetch/useLazyFetch. */
const HEAVY_NUXT = /^dist\/app\/composables\/(?:asyncData|fetch)\.js$/
const HEAVY_NAMES = /\b(?:useAsyncData|useLazyAsyncData|useNuxtData|refreshNuxtData|clearNuxtData|useFetch|useLazyFetch)\b/

const fixtureDir = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))
const hasPart = (result: Parts, part: string) => result.parts.some(entry => entry.part === part && entry.total > 0)
const moduleGzip = (result: Parts) => result.parts.filter(entry => entry.part !== APP_PART && entry.part !== UNMAPPED).reduce((sum, entry) => sum + entry.gzip, 0)
/** The module's gzip bytes (and Pinia's) in the files every page loads first. */
function initialModuleGzip(result: Parts) {
  const initial = new Set(result.initial)
  return result.sources.filter(entry => entry.part !== APP_PART && entry.part !== UNMAPPED && entry.files.every(file => initial.has(file)))
    .reduce((sum, entry) => sum + entry.gzip, 0)
}
const describeParts = (result: Parts) => result.parts.map(entry => `${entry.part} ${entry.total} B / ${Math.round(entry.gzip)} B gzip`).join('; ')

/** Code without its comments (roughly: enough that a comment naming useFetch is not taken for a call). */
function withoutComments(code: string) {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:\\])\/\/.*$/gm, '$1')
}

/** A value import from Nuxt's `#app` barrel (or `nuxt/app`); type-only imports are erased and do not count. */
function importsAppBarrel(code: string) {
  const barrel = `['"](?:#app|nuxt/app)(?:/[^'"]*)?['"]`
  if (new RegExp(`\\bimport\\s*(?:\\(\\s*)?${barrel}`).test(code)) return true
  for (const [, clause] of code.matchAll(new RegExp(`\\bimport([\\s{*][^;'"]*)from\\s*${barrel}`, 'g'))) {
    const trimmed = clause!.trim()
    if (trimmed.startsWith('type ')) continue
    const named = /^\{([^}]*)\}$/.exec(trimmed)
    if (named && named[1]!.split(',').map(name => name.trim()).filter(Boolean).every(name => name.startsWith('type '))) continue
    return true
  }
  return false
}

/** Source files (recursively) of the given folders whose code names one of the heavy composables. */
function filesNaming(pattern: RegExp, dirs: string[]) {
  return dirs.flatMap(dir => readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter(file => /\.(?:vue|[cm]?[jt]s)$/.test(file))
    .map(file => join(dir, file))
    .filter(file => pattern.test(withoutComments(readFileSync(file, 'utf8')))))
}

const results = new Map<string, Parts>()
beforeAll(async () => {
  for (const fixture of FIXTURES) results.set(fixture.name, await clientParts(fixtureDir(fixture.name)))
})

describe.each(FIXTURES)('client JS of the $name fixture', (fixture) => {
  const result = () => results.get(fixture.name)!

  it('is attributed in full to its sources', () => {
    const parts = result().parts
    expect(parts.reduce((sum, entry) => sum + entry.total, 0)).toBe(result().total)
    expect(parts.reduce((sum, entry) => sum + entry.gzip, 0)).toBeCloseTo(result().gzip, 3)
    // Most of it is mapped: a build without usable maps would put everything in (unmapped).
    expect(parts.find(entry => entry.part === UNMAPPED)?.total ?? 0).toBeLessThan(result().total * 0.05)
    expect(hasPart(result(), 'manager')).toBe(true)
  })

  it('keeps the module\'s parts and Pinia within the gzip budget', () => {
    const budget = GZIP_BUDGETS[fixture.name]!
    expect(Math.round(moduleGzip(result())), describeParts(result())).toBeLessThanOrEqual(budget)
  })

  it('keeps what every page loads first within its own budget', () => {
    const initial = initialModuleGzip(result())
    expect(initial).toBeGreaterThan(0)
    expect(Math.round(initial), describeParts(result())).toBeLessThanOrEqual(INITIAL_GZIP_BUDGETS[fixture.name]!)
  })

  it('loads the code that calls the backend (sign-in, sign-up, every request) as a chunk of its own, not with the first render', () => {
    const lazy = result().sources.filter(entry => /(?:app\/sign-in|shared\/request)(?:\.[cm]?[jt]s)?$/.test(entry.source))
    expect(lazy.map(entry => entry.source).sort(), describeParts(result())).toEqual([expect.stringMatching(/app\/sign-in/), expect.stringMatching(/shared\/request/)])
    const initial = new Set(result().initial)
    expect(lazy.flatMap(entry => entry.files).filter(file => initial.has(file))).toEqual([])
    // One chunk for both: a sign-in needs both, and two small chunks compress worse than one.
    expect(new Set(lazy.flatMap(entry => entry.files)).size).toBe(1)
  })

  it('loads the fetch helper\'s code as a chunk of its own, not with the first render, also where the app calls useAuthFetch() as it starts', () => {
    const helper = result().sources.filter(entry => /app\/auth-fetch(?:\.[cm]?[jt]s)?$/.test(entry.source))
    expect(helper, describeParts(result())).toHaveLength(1)
    const initial = new Set(result().initial)
    expect(helper[0]!.files.filter(file => initial.has(file))).toEqual([])
    // The fixtures built on test/fixtures/local call the composable in a plugin (app/plugins/auth-fetch-at-start.ts):
    // it is in the first files, the helper's code is not.
    if (fixture.name === 'authjs') return
    const composable = result().sources.filter(entry => /app\/composables\/useAuthFetch(?:\.[cm]?[jt]s)?$/.test(entry.source))
    expect(composable.flatMap(entry => entry.files).filter(file => initial.has(file)), describeParts(result())).not.toEqual([])
  })

  it('names none of the module\'s own chunks in a prefetch link: each link is work for every server render', async () => {
    // The client manifest the server renders the resource hints from (vue-bundle-renderer's precomputed form).
    const manifest = join(fixtureDir(fixture.name), '.output', 'server', 'chunks', 'build', 'client.precomputed.mjs')
    const { default: precomputed } = await import(pathToFileURL(manifest).href) as { default: { dependencies: Record<string, Record<string, Record<string, { src?: string, prefetch?: boolean }>>> } }
    const moduleChunks = new Map<string, boolean | undefined>()
    for (const dependency of Object.values(precomputed.dependencies)) {
      for (const resources of Object.values(dependency)) {
        for (const resource of Object.values(resources)) {
          if (resource.src?.includes('/src/runtime/')) moduleChunks.set(resource.src, resource.prefetch)
        }
      }
    }
    // Every fixture has at least the code that calls the backend and the fetch helper's as chunks of their own.
    expect([...moduleChunks.keys()].filter(src => /app\/(?:backend-code|auth-fetch)\.ts$/.test(src))).toHaveLength(2)
    expect([...moduleChunks].filter(([, prefetch]) => prefetch !== false).map(([src]) => src)).toEqual([])
  })

  it('carries the token store, its cookie jar and JWT decoding only where the provider keeps tokens', () => {
    const sources = result().sources.filter(entry => entry.total > 0).map(entry => entry.source)
    const tokenCode = sources.filter(source => /(?:app\/tokens|app\/document-jar|shared\/token-store|core\/token)(?:\.[cm]?[jt]s)?$/.test(source))
    if (fixture.tokens) expect(tokenCode.some(source => /app\/tokens(?:\.[cm]?[jt]s)?$/.test(source)), describeParts(result())).toBe(true)
    else expect(tokenCode, describeParts(result())).toEqual([])
    expect(sources.some(source => /app\/no-tokens(?:\.[cm]?[jt]s)?$/.test(source))).toBe(!fixture.tokens)
  })

  it('carries the refresher only with a refresh token', () => {
    if (!fixture.refreshToken) expect(hasPart(result(), 'refresher'), describeParts(result())).toBe(false)
    // With a refresh token the refresher belongs in the client. (In refresh-httponly and sessions page scripts
    // cannot read the tokens, so app/manager.ts never starts it there either; not asserted here.)
    if (fixture.name === 'refresh') expect(hasPart(result(), 'refresher')).toBe(true)
  })

  it('carries the tab lock, and its lease fallback, only where the browser spends refresh tokens', () => {
    const sources = result().sources.filter(entry => entry.total > 0).map(entry => entry.source)
    const has = (file: RegExp) => sources.some(source => file.test(source))
    expect(has(/app\/tabs\/lock(?:\.[cm]?[jt]s)?$/), describeParts(result())).toBe(fixture.refreshToken && !fixture.relay)
    expect(has(/app\/tabs\/lease-lock/)).toBe(fixture.refreshToken && !fixture.relay)
    // The lease is for browsers without Web Locks: a chunk of its own, not loaded by the first render.
    const initial = new Set(result().initial)
    const leaseFiles = result().sources.filter(entry => /app\/tabs\/lease-lock/.test(entry.source)).flatMap(entry => entry.files)
    expect(leaseFiles.filter(file => initial.has(file))).toEqual([])
  })

  it('leaves the provider\'s backend refresh to the server, which rotates the refresh tokens for the browser', () => {
    // Every fixture has a server: the browser refreshes through /api/_auth/refresh (or the relay), never itself.
    const sources = result().sources.filter(entry => entry.total > 0).map(entry => entry.source)
    expect(sources.filter(source => /providers\/refresh\/client(?:\.[cm]?[jt]s)?$/.test(source)), describeParts(result())).toEqual([])
    if (fixture.name === 'refresh') expect(sources.some(source => /providers\/refresh\/client-without-refresh/.test(source))).toBe(true)
  })

  it('carries no Pinia: no fixture uses @pinia/nuxt, and useAuthState().store is then the module\'s own state', () => {
    expect(hasPart(result(), 'pinia'), describeParts(result())).toBe(false)
  })

  it('carries the relay only where the browser goes through /api/_auth', () => {
    expect(hasPart(result(), 'relay'), describeParts(result())).toBe(fixture.relay)
  })

  it('carries no provider but its own', () => {
    const present = result().parts.map(entry => entry.part).filter(part => part.startsWith('provider: '))
    const own = CONFIGURED_PROVIDER[fixture.name]!
    const allowed = [own, ...PROVIDER_BUILDS_ON[own]!]
    expect(present.filter(part => !allowed.includes(part)), describeParts(result())).toEqual([])
    if (fixture.provider) expect(present).toContain(fixture.provider)
    else expect(present, 'the relay runs the provider on the server; the browser needs none of it').toEqual([])
  })

  it('keeps the whole client within its budget, and holds no npm package but Nuxt\'s, Vue\'s and the module\'s', () => {
    expect(result().gzip, describeParts(result())).toBeLessThanOrEqual(TOTAL_GZIP_BUDGETS[fixture.name]!)
    expect(result().packages.map(entry => entry.package).filter(name => !CLIENT_PACKAGES.has(name))).toEqual([])
    // The list is the packages', not empty by accident.
    expect(result().packages.map(entry => entry.package)).toEqual(expect.arrayContaining(['nuxt', 'nuxt-gatekeeper', 'vue-router']))
  })

  it('carries no server code', () => {
    expect(hasPart(result(), 'server code'), describeParts(result())).toBe(false)
  })

  it('carries none of the DevTools tab (development only)', () => {
    expect(hasPart(result(), 'devtools'), describeParts(result())).toBe(false)
  })

  it('holds not the build\'s render mark, which would let a visitor skip the server\'s guard', () => {
    const mark = builtRenderMark(fixtureDir(fixture.name))
    const publicDir = join(fixtureDir(fixture.name), '.output', 'public')
    // Every file the server hands out as it is, source maps included.
    const holding = readdirSync(publicDir, { recursive: true, encoding: 'utf8' }).filter(file => statSync(join(publicDir, file)).isFile() && readFileSync(join(publicDir, file)).includes(mark))
    expect(holding).toEqual([])
  })

  it('does not load Nuxt\'s useAsyncData/useFetch on every page', () => {
    // The entry and its static imports hold the module's plugin and global middleware: what every page loads.
    const initial = new Set(result().initial)
    expect(initial.size).toBeGreaterThan(0)
    const heavy = result().sources.filter(source => source.package === 'nuxt' && HEAVY_NUXT.test(source.source.slice('nuxt/'.length)))
    // The control: the playground's Stats page uses useFetch, so the build has that code, in a page's chunk.
    if (fixture.name === 'local') expect(heavy.length, describeParts(result())).toBeGreaterThan(0)
    const loaded = heavy.filter(source => source.files.some(file => initial.has(file)))
    expect(loaded.map(source => `${source.source} in ${source.files.join(', ')}`)).toEqual([])
  })

  it('has no module file that imports from Nuxt\'s #app barrel or uses useAsyncData/useFetch', () => {
    const offenders: string[] = []
    const contents = moduleSourceContents(fixtureDir(fixture.name))
    // The controls: the module's sources are there to read (a build without sourcesContent would give none), and the
    // checks find what they look for.
    expect([...contents.keys()].filter(source => /\bapp\/manager\b/.test(source))).toHaveLength(1)
    expect(importsAppBarrel('import { useNuxtApp } from \'#app\'')).toBe(true)
    expect(HEAVY_NAMES.test('const { data } = await useFetch(\'/api/x\')')).toBe(true)
    for (const [source, content] of contents) {
      const code = withoutComments(content)
      if (importsAppBarrel(code)) offenders.push(`${source}: imports from #app`)
      if (HEAVY_NAMES.test(code)) offenders.push(`${source}: ${HEAVY_NAMES.exec(code)![0]}`)
    }
    expect(offenders).toEqual([])
  })
})

describe('the authjs fixture, whose pages use neither useAsyncData nor useFetch', () => {
  it('has none of their code at all', () => {
    // The precondition, checked rather than assumed: the app's own code names neither.
    expect(filesNaming(HEAVY_NAMES, [join(fixtureDir('authjs'), 'app'), join(fixtureDir('authjs'), 'shared')])).toEqual([])
    const present = results.get('authjs')!.nuxt.filter(path => HEAVY_NUXT.test(path))
    expect(present).toEqual([])
  })
})
