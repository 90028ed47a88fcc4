// Renders the results as one markdown table (figures as rows, variants as columns) plus the machine it ran on.
import { cpus, totalmem, release, platform } from 'node:os'
import { MODULE_PARTS, UNMAPPED } from '../../scripts/client-parts.mjs'
import { ALLOCATION_RUN } from './allocation.mjs'
import { NAVIGATION_HEAP_RUN } from './browser.mjs'
import { HELD_RUN } from './held.mjs'
import { INSTRUCTIONS_RUN } from './instructions.mjs'
import { controlSummary } from './stats.mjs'

const kB = bytes => `${(bytes / 1000).toFixed(1)} kB`
const signed = bytes => `${bytes >= 0 ? '+' : '−'}${kB(Math.abs(bytes))}`
const plural = (count, word) => `${count} ${word}${count === 1 ? '' : 's'}`

function callsCell(calls, { data = false } = {}) {
  const parts = [plural(calls.session, 'session'), plural(calls.refresh, 'refresh').replace('refreshs', 'refreshes')]
  if (data) parts.push(`${calls.data} API`)
  return parts.join(' · ')
}

/** The machine, and the browser as browserLabel() names it (its binary: a full browser or the headless shell). */
export function machineDescription(browserName) {
  const cpu = cpus()
  const browser = browserName ? `, ${browserName}` : ''
  return `${platform()} ${release()}, ${cpu.length} × ${cpu[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}${browser}`
}

const INSTRUCTIONS_FIGURE = `server instructions per SSR view (callgrind, ${INSTRUCTIONS_RUN.views} views after ${INSTRUCTIONS_RUN.warmUp}; V8's compilers and GC left out; bare's ÷ this)`
const ALLOCATION_FIGURE = `server memory allocated per SSR view (V8's sampling heap profiler, median of ${ALLOCATION_RUN.samples} × ${ALLOCATION_RUN.views} views; against bare)`

/** The two figures of a server render that repeat from run to run: instructions and bytes allocated, against bare. */
function serverCountRows(row, bare, instructions, allocation) {
  const bareInstructions = instructions.get(bare.name)?.perView
  row(INSTRUCTIONS_FIGURE, (variant) => {
    const count = instructions.get(variant.name)?.perView
    if (count === undefined) return undefined
    return bareInstructions === undefined ? undefined : `${(count / 1e6).toFixed(3)} M (${(bareInstructions / count).toFixed(3)}×)`
  })
  const bareAllocated = allocation.get(bare.name)?.bytesPerView
  row(ALLOCATION_FIGURE, (variant) => {
    const allocated = allocation.get(variant.name)?.bytesPerView
    if (allocated === undefined) return undefined
    return variant.auth && bareAllocated !== undefined ? `${kB(allocated)} (${signed(allocated - bareAllocated)})` : kB(allocated)
  })
}

const HELD_FIGURE = `server heap held after ${HELD_RUN.visits} first visits (a visitor the server has not seen each, ${HELD_RUN.connections} at a time; reachable after full GC, over the same server's heap before them)`
const signedMB = bytes => `${bytes >= 0 ? '+' : '−'}${(Math.abs(bytes) / 1e6).toFixed(1)} MB`

const HELD_REFRESHING_FIGURE = `… then after ${HELD_RUN.refreshes} views that each refresh on the server (an expired access token, a valid refresh token)`

/** `+3.3 MB (+1.6 kB a visit)`. */
function heldCell({ heldBytes, visits }, each = 'a visit') {
  return `${signedMB(heldBytes)} (${signed(heldBytes / visits)} ${each})`
}

/** The heap the first visits, then the refreshing views, left reachable (bench/lib/held.mjs); no rows when not measured. */
function heldRows(row, held) {
  if (held.size === 0) return
  row(HELD_FIGURE, variant => held.has(variant.name) ? heldCell(held.get(variant.name)) : undefined)
  row(HELD_REFRESHING_FIGURE, (variant) => {
    const result = held.get(variant.name)
    if (!result || !variant.auth) return undefined
    return result.refreshing ? heldCell(result.refreshing, 'a refresh') : 'n/a (no refresh-token cookie)'
  })
}

const NAVIGATION_FIGURE = `browser JS heap held after ${NAVIGATION_HEAP_RUN.navigations} client-side navigations between the protected pages (Chromium, after GC; over bare's growth)`

/** The page's heap after many navigations (bench/lib/browser.mjs), and per navigation over bare's; no row when not measured. */
function navigationRow(row, bare, navigation) {
  if (navigation.size === 0) return
  const bareHeld = navigation.get(bare.name)?.heldBytes
  row(NAVIGATION_FIGURE, (variant) => {
    const result = navigation.get(variant.name)
    if (!result) return undefined
    const held = signedMB(result.heldBytes)
    if (!variant.auth || bareHeld === undefined) return held
    return `${held} (${signed((result.heldBytes - bareHeld) / result.navigations)} a navigation)`
  })
}

/**
 * `npm run bench -- --counts`: the instruction, allocation and held-heap rows alone, in the main table's layout;
 * `--held`: the server's held heap and the browser's after navigations alone (the other maps empty: their rows
 * would show dashes, so they are left out).
 */
export function renderCounts({ variants, instructions, allocation, held = new Map(), navigation = new Map(), machine, date, command = 'npm run bench -- --counts' }) {
  const rows = []
  const row = (figure, cell) => rows.push(`| ${figure} | ${variants.map(variant => cell(variant) ?? '—').join(' | ')} |`)
  const bare = variants.find(variant => !variant.auth)
  if (instructions.size > 0 || allocation.size > 0) serverCountRows(row, bare, instructions, allocation)
  heldRows(row, held)
  navigationRow(row, bare, navigation)
  return [
    `| figure | ${variants.map(variant => variant.label).join(' | ')} |`,
    `|---|${variants.map(() => '---').join('|')}|`,
    ...rows,
    '',
    `Machine: ${machine}. Run ${date} with \`${command}\`.`,
  ].join('\n')
}

export function renderReport({ variants, bytes, firstVisit = new Map(), throughput, allocation = new Map(), instructions = new Map(), held = new Map(), navigation = new Map(), api = [], instances = null, scenarios, options, machine, date, command = 'npm run bench' }) {
  const bare = variants.find(variant => !variant.auth)
  const bareRate = throughput.get(bare.name)?.median
  const rows = []
  const row = (figure, cell) => rows.push(`| ${figure} | ${variants.map(variant => cell(variant) ?? '—').join(' | ')} |`)
  const ran = (variant, name) => variant.auth ? scenarios.get(variant.name)?.[name] : undefined
  const measured = variant => variant.auth && scenarios.has(variant.name)
  const needsRefresh = (variant, name, render) => {
    if (!variant.auth) return undefined
    if (!variant.refresh) return 'n/a (no refresh token)'
    const result = ran(variant, name)
    return result && render(result)
  }

  row('client JS, total / gzip', variant => `${kB(bytes.get(variant.name).total)} / ${kB(bytes.get(variant.name).gzip)}`)
  row('client JS added to bare, total / gzip', variant => variant.auth
    ? `${signed(bytes.get(variant.name).total - bytes.get(bare.name).total)} / ${signed(bytes.get(variant.name).gzip - bytes.get(bare.name).gzip)}`
    : undefined)
  const visit = variant => firstVisit.get(variant.name) ?? firstVisit.get(variant.builtAs)
  row('client JS a signed-in first visit of /a loads (Chromium), gzip', variant => visit(variant) && kB(visit(variant).gzip))
  row('… added to bare', variant => variant.auth && visit(variant) && visit(bare) ? signed(visit(variant).gzip - visit(bare).gzip) : undefined)
  // Paired runs (bench/lib/throughput.mjs) have `ratio` by CPU per view and `requestRatio`; older results a median each.
  const bareCpu = throughput.get(bare.name)?.cpuMsPerView
  // The ratio first: the milliseconds are the median of this server's windows, timed at other moments than the
  // other variants' (the machine's speed moves), so they do not compare across columns.
  row(`SSR of /a with a valid cookie: server CPU per view, timed beside bare on one core (bare's ÷ this, the median of ${options.pairs ?? options.rounds} ${options.pairs ? 'pairs' : 'rounds'}; the median ms)`, (variant) => {
    const result = throughput.get(variant.name)
    if (result?.cpuMsPerView === undefined) return undefined
    const failed = result.failed ? `, ${result.failed} failed` : ''
    const cell = `${(result.cpuRatio ?? bareCpu / result.cpuMsPerView).toFixed(2)}× (${result.cpuMsPerView.toFixed(2)} ms${failed})`
    // Bare beside a second bare server: what the method reads for no difference at all, and how far its pairs spread.
    return result.control ? `${cell}; a second bare beside it: ${controlSummary(result.control)}` : cell
  })
  row('SSR req/s in the same windows, sharing the core (× bare: this server\'s requests ÷ bare\'s)', (variant) => {
    const result = throughput.get(variant.name)
    return `${Math.round(result.median)} (${(result.requestRatio ?? result.median / bareRate).toFixed(2)}×)`
  })
  serverCountRows(row, bare, instructions, allocation)
  heldRows(row, held)
  row('backend calls per SSR view (throughput run)', variant => throughput.get(variant.name).backendCallsPerView.toFixed(2))
  row('full load + hydration', variant => ran(variant, 'load') && callsCell(ran(variant, 'load').calls))
  row('3 client-side navigations', variant => ran(variant, 'navigate') && callsCell(ran(variant, 'navigate').calls))
  row('reload, expired access token', variant => needsRefresh(variant, 'expiredReload', result => callsCell(result.calls)))
  row('20 concurrent API calls, expired token', variant => needsRefresh(variant, 'burst', result => `${callsCell(result.calls, { data: true })} · ${result.succeeded} succeeded`))
  row(`3 tabs across expiries (${options.tabsTtl} s tokens), then 1 API call per tab`, variant => needsRefresh(variant, 'tabs', result =>
    `${callsCell(result.calls)} in ${result.lifetimes.toFixed(1)} lifetimes · ${plural(result.reuseDetections, 'reuse detection')} · ${result.apiOk}/3 API calls succeeded`))
  const everyScenario = variant => Object.entries(scenarios.get(variant.name) ?? {}).filter(([name]) => name !== 'signIn').map(([, result]) => result)
  navigationRow(row, bare, navigation)
  row('spurious sign-outs (all scenarios)', variant => measured(variant) ? String(everyScenario(variant).reduce((sum, result) => sum + result.signedOut, 0)) : undefined)
  row('console errors (all scenarios)', variant => measured(variant)
    ? String([...everyScenario(variant), scenarios.get(variant.name).signIn].reduce((sum, result) => sum + result.errors.length, 0))
    : undefined)
  row(`sign-in → \`authenticated\` (median of ${options.signInRuns})`, variant => measured(variant) ? `${Math.round(scenarios.get(variant.name).signIn.median)} ms` : undefined)

  const errorNotes = variants.filter(measured).flatMap((variant) => {
    const seen = new Map()
    for (const [name, result] of Object.entries(scenarios.get(variant.name))) {
      for (const error of result.errors) seen.set(`${name}: ${error.slice(0, 160)}`, (seen.get(`${name}: ${error.slice(0, 160)}`) ?? 0) + 1)
    }
    return [...seen].map(([message, count]) => `- ${variant.label}, ${message}${count > 1 ? ` (×${count})` : ''}`)
  })

  const apiBaseline = api[0]?.median
  const apiRows = api.map(target => `| ${target.label} | ${Math.round(target.median)} | ${(target.median / apiBaseline).toFixed(2)}× | ${target.backendCallsPerRequest.toFixed(3)}${target.failed ? ` (${target.failed} failed)` : ''} |`)

  return [
    `| figure | ${variants.map(variant => variant.label).join(' | ')} |`,
    `|---|${variants.map(() => '---').join('|')}|`,
    ...rows,
    '',
    ...(api.length
      ? [
          `| API route (median req/s of ${options.rounds} × ${options.duration} s, ${options.connections} connections) | req/s | × no auth | backend calls per request |`,
          '|---|---|---|---|',
          ...apiRows,
          '',
        ]
      : []),
    ...(instances
      ? [
          `| Session mode on Redis behind a round-robin proxy (SSR, median req/s of ${options.rounds} × ${options.duration} s) | req/s |`,
          '|---|---|',
          `| one instance | ${Math.round(instances.one)} |`,
          `| two instances (same build, same Redis) | ${Math.round(instances.two)} (${(instances.two / instances.one).toFixed(2)}×) |`,
          '',
        ]
      : []),
    `Machine: ${machine}. Run ${date} with \`${command}\`.`,
    ...(errorNotes.length ? ['', 'Console errors:', ...errorNotes] : []),
  ].join('\n')
}

/**
 * "client JS per part (gzip)": what each auth variant adds to the bare app's client JS, by part. nuxt-gatekeeper's
 * parts (scripts/client-parts.mjs: PARTS, with Pinia and jose in the parts that import them); for the
 * incumbent, @sidebase/nuxt-auth's runtime and each package the bare app does not load, by npm package (some
 * come with the Nuxt composables it uses: ohash, perfect-debounce). Then the files of Nuxt itself the bare app
 * does not load (useFetch, useAsyncData, useCookie … when a module uses them). Gzip sizes are each chunk's gzip
 * size (level 9) shared out among its parts, so the rows add up: the last row is the variant's client JS minus
 * the bare app's, the same figure as "client JS added to bare". The row before it is the rest of the
 * difference: Vue and Nuxt code that moves between chunks or grows (more of ufo, defu …), the variant's own app
 * code (its bench composable), and the chunks' glue (imports, exports) of a different split.
 * @param {{ variants: Array<{ name: string, label: string, auth: boolean, builtAs?: string }>, parts: Map<string, import('../../scripts/client-parts.mjs').ClientParts> }} input
 *   `parts`: clientJsParts() of the bare app and of each variant with a build of its own
 */
export function renderParts({ variants, parts }) {
  const bare = parts.get(variants.find(variant => !variant.auth).name)
  const columns = variants.filter(variant => variant.auth && !variant.builtAs && parts.has(variant.name))
  const kB2 = bytes => `${(bytes / 1000).toFixed(2)} kB`
  const bareSources = new Set(bare.packages.map(entry => entry.package))
  const isModulePart = part => MODULE_PARTS.includes(part)
  /** Packages a variant adds that no module part takes in (the incumbent's runtime and its dependencies). */
  const addedPackages = result => result.packages.filter(entry => !bareSources.has(entry.package)
    && entry.package !== '(app)' && entry.package !== UNMAPPED && !entry.parts.some(isModulePart))
  const rows = [
    ...MODULE_PARTS.map(part => ({
      label: part,
      cell: result => result.parts.find(entry => entry.part === part)?.gzip,
    })),
    ...[...new Set(columns.flatMap(variant => addedPackages(parts.get(variant.name)).map(entry => entry.package)))].map(name => ({
      label: `npm: ${name}`,
      cell: result => addedPackages(result).find(entry => entry.package === name)?.gzip,
    })),
  ].filter(row => columns.some(variant => row.cell(parts.get(variant.name)) > 0))
  const named = result => rows.reduce((sum, row) => sum + (row.cell(result) ?? 0), 0)
  const bareNuxt = new Set(bare.nuxt)
  const newNuxt = result => result.sources.filter(source => source.package === 'nuxt' && !bareNuxt.has(source.source.slice('nuxt/'.length)))
  const newNuxtGzip = result => newNuxt(result).reduce((sum, source) => sum + source.gzip, 0)
  const nuxtNotes = columns.filter(variant => newNuxt(parts.get(variant.name)).length)
    .map(variant => `- ${variant.label}: ${newNuxt(parts.get(variant.name)).map(source => `${source.source} (${kB2(source.gzip)})`).join(', ')}`)
  const line = (label, cell) => `| ${label} | ${columns.map(variant => cell(parts.get(variant.name)) ?? '—').join(' | ')} |`
  const present = value => value > 0 ? kB2(value) : undefined
  const signed2 = bytes => `${bytes >= 0 ? '+' : '−'}${kB2(Math.abs(bytes))}`
  return [
    `| client JS per part (gzip) | ${columns.map(variant => variant.label).join(' | ')} |`,
    `|---|${columns.map(() => '---').join('|')}|`,
    ...rows.map(row => line(row.label, result => present(row.cell(result)))),
    line('**the auth module and its packages**', result => `**${kB2(named(result))}**`),
    line('Nuxt files the bare app does not load', result => present(newNuxtGzip(result))),
    line(`the rest: Vue, Nuxt, app code and chunk glue against bare (${kB2(bare.gzip)})`, result => signed2(result.gzip - named(result) - newNuxtGzip(result) - bare.gzip)),
    line('**total = client JS added to bare**', result => `**${signed2(result.gzip - bare.gzip)}**`),
    '',
    'Each chunk\'s gzip size (level 9) is shared out among the parts in it by what each would save if left out (scripts/client-parts.mjs), so the rows add up to the chunks\' sizes. "npm:" rows are packages the bare app does not load. "The rest": everything else in the variant, minus the bare app\'s whole client JS.',
    ...(nuxtNotes.length ? ['', 'Nuxt files the bare app does not load:', ...nuxtNotes] : []),
  ].join('\n')
}

/**
 * Client JS (gzip) a set of builds adds to their baseline, over every chunk and over the files every page loads
 * first (the entry and its static imports: the lazy chunks and page chunks left out). Used for the app that already
 * uses useFetch (bench/usefetch: its Nuxt composables the incumbent's runtime shares and nuxt-gatekeeper's does not
 * use) and for the app with an Auth.js provider (bench/authjs, against bare).
 * @param {{ title: string, variants: Array<{ name: string, label: string }>, bytes: Map<string, { all: { gzip: number }, initial: { gzip: number } }> }} input
 *   `variants`: the baseline first (bench/lib/variants.mjs's WITH_USEFETCH, or bare and AUTHJS)
 */
export function renderBytesAdded({ title, variants, bytes }) {
  const [bare, ...columns] = variants
  const base = bytes.get(bare.name)
  const line = (label, pick) => `| ${label} | ${columns.map(variant => signed(pick(bytes.get(variant.name)).gzip - pick(base).gzip)).join(' | ')} |`
  return [
    `| ${title} (gzip) | ${columns.map(variant => variant.label).join(' | ')} |`,
    `|---|${columns.map(() => '---').join('|')}|`,
    line(`every chunk (the app without auth: ${kB(base.all.gzip)})`, result => result.all),
    line(`the files every page loads first (${kB(base.initial.gzip)})`, result => result.initial),
  ].join('\n')
}
