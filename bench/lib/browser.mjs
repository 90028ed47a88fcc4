// The scenarios in Chromium: what each variant costs the backend, and whether anybody is signed out or
// anything is logged to the console on the way.
import { basename } from 'node:path'
import { gzipSync } from 'node:zlib'
import { chromium } from 'playwright-core'
import { CHROMIUM_ARGS, findChromium, responseBody } from '../../scripts/chromium.mjs'
import { BENCH_PASSWORD } from '../fixtures.mjs'
import { expiredCopy, visitorCookie } from './server.mjs'
import { median } from './stats.mjs'

const SESSION = 'GET /api/auth/session'
const REFRESH = 'POST /api/auth/refresh'
const DATA = 'GET /api/data'

/** The binary and its version, e.g. `chromium-headless-shell 156.0.8078.129` (timings differ from a full browser's). */
export function browserLabel(browser) {
  return `${basename(findChromium() ?? 'chromium')} ${browser.version()}`
}

export async function launchBrowser() {
  const executablePath = findChromium()
  if (!executablePath) throw new Error('No Chromium found: run `node scripts/ensure-chromium.mjs` or set CHROME_PATH')
  return await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS })
}

/** Per page: its requests in flight and when the last one started or ended (networkQuiet). */
const traffic = new WeakMap()

/**
 * Resolves once `page` has had no request in flight for `quietMs`. Playwright's `networkidle` fires once per
 * document: after a client-side action (a navigation, a click, a tab switch) waiting for it returns at once, and
 * the backend's counters would be read with the calls it started still on the way.
 */
export async function networkQuiet(page, quietMs = 500, timeoutMs = 20_000) {
  const seen = traffic.get(page)
  if (!seen) throw new Error('networkQuiet: the page was not opened through openContext')
  const deadline = Date.now() + timeoutMs
  while (seen.inFlight.size > 0 || Date.now() - seen.lastActivity < quietMs) {
    if (Date.now() > deadline) throw new Error(`networkQuiet: requests still in flight after ${timeoutMs} ms: ${[...seen.inFlight].map(request => request.url()).join(', ')}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

/**
 * Headless Chromium never changes `document.visibilityState` when a tab is brought to the front, so neither
 * module's focus handling would run. Each page gets a visibility it is told, as a real browser would (an init
 * script: it runs in the page).
 */
export function emulateVisibility() {
  let state = 'visible'
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state })
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => state === 'hidden' })
  window.__setVisible = (visible) => {
    const next = visible ? 'visible' : 'hidden'
    if (next === state) return
    state = next
    document.dispatchEvent(new Event('visibilitychange'))
  }
}

/** Brings `page` to the front: the others become hidden, it becomes visible (with emulateVisibility). */
export async function focus(pages, page) {
  await page.bringToFront()
  await Promise.all(pages.map(other => other.evaluate(visible => window.__setVisible?.(visible), other === page).catch(() => {})))
}

/** A context whose pages record console errors and unhandled rejections, and their traffic (networkQuiet). */
export async function openContext(browser, server, tokens) {
  const context = await browser.newContext({ baseURL: server.url })
  const errors = []
  context.on('page', (page) => {
    const seen = { inFlight: new Set(), lastActivity: Date.now() }
    traffic.set(page, seen)
    page.on('request', (request) => {
      seen.inFlight.add(request)
      seen.lastActivity = Date.now()
    })
    for (const event of ['requestfinished', 'requestfailed']) {
      page.on(event, (request) => {
        seen.inFlight.delete(request)
        seen.lastActivity = Date.now()
      })
    }
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text())
    })
    page.on('pageerror', error => errors.push(`unhandled: ${error.message}`))
  })
  if (tokens) {
    await context.addCookies([
      { name: 'auth.token', value: tokens.token, url: server.url },
      { name: 'auth.refresh-token', value: tokens.refreshToken, url: server.url },
    ])
  }
  return { context, errors }
}

export async function settle(page) {
  await page.waitForFunction(() => window.__bench?.hydrated === true, undefined, { timeout: 15_000 })
  await page.waitForLoadState('networkidle')
}

/** Whether the page ended where it should, signed in: anything else is a sign-out the user did not ask for. */
export async function stillSignedIn(page, path) {
  if (new URL(page.url()).pathname !== path) return false
  return (await page.getByTestId('status').textContent().catch(() => '')) === 'authenticated'
}

function calls(counters) {
  return { session: counters[SESSION] ?? 0, refresh: counters[REFRESH] ?? 0, data: counters[DATA] ?? 0 }
}

async function scenario(server, run) {
  await server.control({ reset: true })
  const outcome = await run()
  const state = await server.state()
  return { ...outcome, calls: calls(state.counters), reuseDetections: state.reuseDetections }
}

/** Opens `/a` in a fresh context holding `tokens`, through hydration: what it costs and how it ends. */
async function fullLoad(browser, server, tokens) {
  const { context, errors } = await openContext(browser, server, tokens)
  const page = await context.newPage()
  const result = await scenario(server, async () => {
    await page.goto('/a')
    await settle(page)
    return { signedOut: (await stillSignedIn(page, '/a')) ? 0 : 1 }
  })
  await context.close()
  return { ...result, errors }
}

/** Client-side navigations: clicks the link to each target page in turn and waits for its heading. */
async function navigateThrough(page, targets) {
  for (const target of targets) {
    await page.getByTestId(`to-${target}`).click()
    await page.waitForURL(`**/${target}`)
    await page.getByRole('heading', { name: `Page ${target.toUpperCase()}` }).waitFor()
  }
}

const scenarios = {
  /** A full page load of a protected page with valid cookies, through hydration. */
  async load(browser, server) {
    return await fullLoad(browser, server, await server.signIn())
  },

  /** Three client-side navigations between protected pages after a load. */
  async navigate(browser, server) {
    const { context, errors } = await openContext(browser, server, await server.signIn())
    const page = await context.newPage()
    await page.goto('/a')
    await settle(page)
    const result = await scenario(server, async () => {
      await navigateThrough(page, ['b', 'c', 'a'])
      await networkQuiet(page)
      return { signedOut: (await stillSignedIn(page, '/a')) ? 0 : 1 }
    })
    await context.close()
    return { ...result, errors }
  },

  /** A reload with an expired access token and a valid refresh token. */
  async expiredReload(browser, server) {
    const tokens = await server.signIn()
    return await fullLoad(browser, server, { ...tokens, token: await expiredCopy(tokens.token) })
  },

  /** 20 concurrent API calls (the variant's fetch) once the app's access token has expired under the page. */
  async burst(browser, server) {
    const tokens = await server.signIn()
    const { context, errors } = await openContext(browser, server, tokens)
    const page = await context.newPage()
    await page.goto('/a')
    await settle(page)
    const expired = await expiredCopy(tokens.token)
    const result = await scenario(server, async () => {
      await page.evaluate(token => window.__bench.setToken(token), expired)
      await page.getByTestId('burst').click()
      await page.waitForFunction(() => /^\d+\/20$/.test(document.querySelector('[data-testid="burst-result"]')?.textContent ?? ''), undefined, { timeout: 20_000 })
      await networkQuiet(page)
      return {
        succeeded: await page.getByTestId('burst-result').textContent(),
        signedOut: (await stillSignedIn(page, '/a')) ? 0 : 1,
      }
    })
    await context.close()
    return { ...result, errors }
  },

  /** Three tabs open on protected pages across token expiries, the user switching between them. */
  async tabs(browser, server, { tabsTtl }) {
    await server.control({ accessTtl: tabsTtl })
    const { context, errors } = await openContext(browser, server, await server.signIn())
    await context.addInitScript(emulateVisibility)
    const pages = []
    for (let index = 0; index < 3; index++) {
      const page = await context.newPage()
      await page.goto('/a')
      await settle(page)
      pages.push(page)
    }
    const started = Date.now()
    const result = await scenario(server, async () => {
      // Two and a half token lifetimes of switching tabs every 1.5 s (each switch hides the others).
      for (let round = 0; Date.now() - started < tabsTtl * 2500; round++) {
        await focus(pages, pages[round % 3])
        await pages[round % 3].waitForTimeout(1500)
      }
      await Promise.all(pages.map(page => networkQuiet(page)))
      const lifetimes = (Date.now() - started) / 1000 / tabsTtl
      // Still signed in for real: each tab, one after the other, calls the API with what it holds.
      let apiOk = 0
      for (const page of pages) apiOk += await page.evaluate(() => window.__bench.fetch('/api/data').then(() => 1, () => 0))
      await Promise.all(pages.map(page => networkQuiet(page)))
      let signedOut = 0
      for (const page of pages) signedOut += (await stillSignedIn(page, '/a')) ? 0 : 1
      return { signedOut, lifetimes, apiOk }
    })
    await server.control({ accessTtl: 1800 })
    await context.close()
    return { ...result, errors }
  },
}

/** Sign-in through the login form until the protected page shows `authenticated`; the median of `runs`. */
async function signInTimes(browser, server, runs) {
  const times = []
  const errors = []
  for (let run = 0; run < runs; run++) {
    const { context, errors: contextErrors } = await openContext(browser, server)
    const page = await context.newPage()
    await page.goto('/login')
    await settle(page)
    const user = server.nextUser()
    await page.getByTestId('username').fill(user.username)
    await page.getByTestId('password').fill(BENCH_PASSWORD)
    const started = performance.now()
    await page.getByTestId('submit').click()
    await page.waitForURL('**/a')
    await page.waitForFunction(() => document.querySelector('[data-testid="status"]')?.textContent === 'authenticated')
    times.push(performance.now() - started)
    await context.close()
    errors.push(...contextErrors)
  }
  return { median: median(times), times, errors }
}

export async function runScenarios(browser, server, options) {
  const results = {}
  for (const [name, run] of Object.entries(scenarios)) {
    const needsRefresh = name === 'expiredReload' || name === 'burst' || name === 'tabs'
    if (needsRefresh && !server.variant.refresh) continue
    process.stdout.write(`  ${server.variant.name}: ${name}\n`)
    results[name] = await run(browser, server, options)
  }
  process.stdout.write(`  ${server.variant.name}: sign-in ×${options.signInRuns}\n`)
  results.signIn = await signInTimes(browser, server, options.signInRuns)
  return results
}

/** How the navigation heap is taken: `navigations` client-side navigations (/b, /c, /a, …) after `warmUp` of them. */
export const NAVIGATION_HEAP_RUN = { warmUp: 30, navigations: 600 }

/**
 * The page's JS heap still reachable (three collections through the DevTools protocol) after many client-side
 * navigations between the protected pages, over the same page's after the warm-up: what navigations leave
 * behind (watchers, listeners, effect scopes that outlive their page). Bare's growth is the router's and Nuxt's
 * own. Both counts are multiples of three, so the page ends on /a, where it must still be signed in.
 */
export async function navigationHeap(browser, server, { warmUp, navigations } = NAVIGATION_HEAP_RUN) {
  // Tokens that outlive the run: a refresh midway would be a different measurement.
  await server.control({ accessTtl: 1800 })
  const { context, errors } = await openContext(browser, server, server.variant.auth ? await server.signIn() : undefined)
  try {
    const page = await context.newPage()
    await page.goto('/a')
    await settle(page)
    const devtools = await context.newCDPSession(page)
    const reachable = async () => {
      for (let pass = 0; pass < 3; pass++) await devtools.send('HeapProfiler.collectGarbage')
      return (await devtools.send('Runtime.getHeapUsage')).usedSize
    }
    const cycle = count => navigateThrough(page, Array.from({ length: count }, (_, index) => 'bca'[index % 3]))
    await cycle(warmUp)
    const before = await reachable()
    await cycle(navigations)
    const heldBytes = await reachable() - before
    if (server.variant.auth && !(await stillSignedIn(page, '/a'))) throw new Error(`${server.variant.name}: signed out during ${navigations} navigations`)
    if (errors.length > 0) throw new Error(`${server.variant.name}: console errors during ${navigations} navigations: ${errors.slice(0, 3).join('; ')}`)
    return { heldBytes, navigations }
  }
  finally {
    await context.close()
  }
}

/**
 * The JS a signed-in visitor's browser downloads to open `/a` (a fresh context, through hydration and the idle time
 * after it): every script response, prefetched ones included, each URL once, gzip level 9 as for the built chunks.
 * Unlike the build's total, chunks this browser never asks for (the lease lock's, which only browsers without Web
 * Locks import) are not in it. A visit that did not end on `/a` signed in, a script that did not answer 200 or a
 * console error fails the run: the figure is of the visit it claims to be.
 */
export async function firstVisitJs(browser, server) {
  const { context, errors } = await openContext(browser, server)
  try {
    if (server.variant.auth) {
      const { cookie } = await visitorCookie(server)
      await context.addCookies(cookie.split('; ').map((pair) => {
        const at = pair.indexOf('=')
        return { name: pair.slice(0, at), value: pair.slice(at + 1), url: server.url }
      }))
    }
    const page = await context.newPage()
    const bodies = new Map()
    page.on('response', (response) => {
      const url = response.url()
      if (!new URL(url).pathname.endsWith('.js') || bodies.has(url)) return
      // A `<link rel="prefetch">` download is a download too (responseBody reads it again from the server).
      const body = response.status() !== 200
        ? Promise.reject(new Error(`${server.variant.name}: ${url} answered ${response.status()} on the first visit`))
        : responseBody(response).catch((error) => {
            throw new Error(`${server.variant.name}: ${error.message}`)
          })
      // Awaited below (a failure fails the measurement), not an unhandled rejection before that.
      body.catch(() => {})
      bodies.set(url, body)
    })
    const document = await page.goto('/a')
    if (document?.status() !== 200) throw new Error(`${server.variant.name}: /a answered ${document?.status()} on the first visit`)
    await settle(page)
    if (server.variant.auth && !(await stillSignedIn(page, '/a'))) throw new Error(`${server.variant.name}: the first visit did not end on /a signed in (${page.url()})`)
    if (errors.length > 0) throw new Error(`${server.variant.name}: console errors on the first visit: ${errors.slice(0, 3).join('; ')}`)
    const scripts = await Promise.all(bodies.values())
    return { files: scripts.length, total: scripts.reduce((sum, body) => sum + body.length, 0), gzip: scripts.reduce((sum, body) => sum + gzipSync(body, { level: 9 }).length, 0) }
  }
  finally {
    await context.close()
  }
}
