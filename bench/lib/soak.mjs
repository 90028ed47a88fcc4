// The refresh soak (`npm run bench -- --repeat N`): tab scenarios against the rotating, reuse-detecting
// backend, repeated, so a race that strikes one run in ten shows up as a count instead of a shrug.
import { emulateVisibility, focus, networkQuiet, openContext, settle, stillSignedIn } from './browser.mjs'

const REFRESH = 'POST /api/auth/refresh'

/** A small seeded generator (mulberry32): a failing run can be replayed with its seed. */
function random(seed) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6D2B79F5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

async function apiCall(page) {
  return await page.evaluate(() => window.__bench.fetch('/api/data').then(() => 1, () => 0))
}

/**
 * Refreshes that were due: one per token lifetime minus the lead (a third of it for short tokens), plus
 * the one at the start when the tokens were already expired.
 */
function dueRefreshes(elapsedMs, ttl) {
  return Math.floor(elapsedMs / 1000 / (ttl * 2 / 3)) + 1
}

async function openTabs(browser, server, count, ttl) {
  await server.control({ accessTtl: ttl })
  const { context, errors } = await openContext(browser, server, await server.signIn())
  await context.addInitScript(emulateVisibility)
  const pages = []
  for (let index = 0; index < count; index++) {
    const page = await context.newPage()
    await page.goto('/a')
    await settle(page)
    pages.push(page)
  }
  return { context, errors, pages }
}

async function finish(server, pages, started, ttl) {
  let apiOk = 0
  // Still signed in for real: each tab calls the API with what it holds.
  for (const page of pages) apiOk += await apiCall(page)
  await Promise.all(pages.map(page => networkQuiet(page)))
  let signedOut = 0
  for (const page of pages) signedOut += (await stillSignedIn(page, '/a')) ? 0 : 1
  const state = await server.state()
  return { refreshes: state.counters[REFRESH] ?? 0, due: dueRefreshes(Date.now() - started, ttl), reuseDetections: state.reuseDetections, reuseLog: state.reuseLog ?? [], signedOut, apiOk, tabs: pages.length }
}

/**
 * The user's report: three tabs opened one after the other, left until their tokens expired, each brought
 * to the front in turn, then one more page load after the next expiry.
 */
async function threeTabs(browser, server, ttl) {
  const { context, errors, pages } = await openTabs(browser, server, 3, ttl)
  await server.control({ reset: true })
  const started = Date.now()
  await pages[0].waitForTimeout(ttl * 1000 + 500)
  for (let round = 0; Date.now() - started < ttl * 3000; round++) {
    await focus(pages, pages[round % 3])
    await pages[round % 3].waitForTimeout(1500)
  }
  await pages[0].waitForTimeout(ttl * 1000)
  await focus(pages, pages[0])
  await pages[0].reload()
  await settle(pages[0])
  const result = await finish(server, pages, started, ttl)
  await context.close()
  return { ...result, errors }
}

/** Five tabs for three token lifetimes: a random tab to the front, sometimes reloaded, sometimes calling the API. */
async function fiveTabs(browser, server, ttl, seed) {
  const next = random(seed)
  const { context, errors, pages } = await openTabs(browser, server, 5, ttl)
  await server.control({ reset: true })
  const started = Date.now()
  while (Date.now() - started < ttl * 3000) {
    const page = pages[Math.floor(next() * pages.length)]
    await focus(pages, page)
    const action = next()
    if (action < 0.2) {
      await page.reload()
      await settle(page)
    }
    else if (action < 0.6) {
      await apiCall(page)
    }
    await page.waitForTimeout(200 + Math.floor(next() * 1000))
  }
  const result = await finish(server, pages, started, ttl)
  await context.close()
  return { ...result, errors, seed }
}

export async function runSoak(browser, server, { repeat, ttl }) {
  const runs = { threeTabs: [], fiveTabs: [] }
  for (let run = 0; run < repeat; run++) {
    process.stdout.write(`  ${server.variant.name}: soak run ${run + 1}/${repeat}\n`)
    runs.threeTabs.push(await threeTabs(browser, server, ttl))
    runs.fiveTabs.push(await fiveTabs(browser, server, ttl, 1000 + run))
  }
  await server.control({ accessTtl: 1800 })
  return runs
}

/** One row per scenario: how many runs were clean, and the worst of each figure. */
export function renderSoak(results, { repeat, ttl }) {
  const lines = [
    `| variant, scenario (${repeat} runs, ${ttl} s access tokens) | clean runs | reuse detections | spurious sign-outs | console errors | runs with refreshes > due + 1 | refreshes / due (median run) | API calls that failed |`,
    '|---|---|---|---|---|---|---|---|',
  ]
  for (const [variant, runs] of results) {
    for (const [name, list] of Object.entries(runs)) {
      const sum = key => list.reduce((total, run) => total + (typeof key === 'function' ? key(run) : run[key]), 0)
      const excess = list.filter(run => run.refreshes > run.due + 1).length
      const clean = list.filter(run => run.reuseDetections === 0 && run.signedOut === 0 && run.errors.length === 0 && run.refreshes <= run.due + 1).length
      const median = [...list].sort((a, b) => a.refreshes / a.due - b.refreshes / b.due)[Math.floor(list.length / 2)]
      lines.push(`| ${variant}, ${name === 'threeTabs' ? '3 tabs, switch, reload' : '5 tabs, random reloads + API calls'} | ${clean}/${list.length} | ${sum('reuseDetections')} | ${sum('signedOut')} | ${sum(run => run.errors.length)} | ${excess} | ${median ? `${median.refreshes} / ${median.due}` : '—'} | ${sum(run => run.tabs - run.apiOk)} |`)
    }
  }
  const failures = [...results].flatMap(([variant, runs]) => Object.entries(runs).flatMap(([name, list]) => list
    .filter(run => run.reuseDetections || run.signedOut || run.errors.length)
    .map(run => `- ${variant} ${name}${run.seed ? ` (seed ${run.seed})` : ''}: ${run.reuseDetections} reuse${run.reuseLog.map(entry => ` (spent by a ${entry.first}, presented again ${entry.msBetween} ms later by a ${entry.again})`).join('')}, ${run.signedOut} signed out, ${run.refreshes} refreshes / ${run.due} due${run.errors.length ? `, errors: ${run.errors.slice(0, 2).join(' | ').slice(0, 200)}` : ''}`)))
  return [...lines, ...(failures.length ? ['', 'Runs that were not clean:', ...failures] : [])].join('\n')
}
