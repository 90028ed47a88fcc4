// `npm run bench` (from the repository root): builds the bench app in every variant, serves each on
// 127.0.0.1, measures client JS, SSR throughput, the server memory a render allocates and the browser scenarios,
// and prints a main markdown table and five smaller ones.
//
// Flags: --skip-build (reuse the last builds and the installed package), --rounds N (throughput rounds,
// default 5), --pairs N (pairs each variant is timed in beside bare, default 5), --duration S (seconds per round,
// default 5), --connections N (default 10), --sign-ins N (default 7), --tabs-ttl S (access-token lifetime in the
// three-tab scenario, default 8),
// --counts (only the figures that repeat from run to run: instructions and memory allocated per SSR view, and the
// heap held after many first visits; written to bench/results/counts.md), --held (the server's held heap and the
// browser's after many navigations, alone, in a few minutes; written to bench/results/held.md), --only a,b
// (browser scenarios of these variants only, e.g. --only gatekeeper-refresh),
// --repeat N (instead of the table: the refresh soak, two tab scenarios N times each, for the refresh variants
// in --only, default gatekeeper-refresh), --soak-ttl S (access-token lifetime in the soak, default 3).
//
// With the table it writes bench/results/latest.json (the same figures; its shape is described in
// bench/lib/results.mjs) and the docs' charts drawn from it, docs/public/benchmarks/{ssr,bytes,calls}.svg.
// `node bench/charts.mjs` redraws the charts from latest.json without running the bench.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { measureAllocation } from './lib/allocation.mjs'
import { measureHeldHeap } from './lib/held.mjs'
import { measureInstructions } from './lib/instructions.mjs'
import { browserLabel, firstVisitJs, launchBrowser, navigationHeap, runScenarios } from './lib/browser.mjs'
import { machineDescription, renderBytesAdded, renderCounts, renderParts, renderReport } from './lib/report.mjs'
import { resultsJson, writeCharts, writeResultsJson } from './lib/results.mjs'
import { renderSoak, runSoak } from './lib/soak.mjs'
import { startRedis } from '../scripts/redis.mjs'
import { startServer, stopEveryServer } from './lib/server.mjs'
import { measureApiThroughput, measurePairedThroughput, measureTwoInstances } from './lib/throughput.mjs'
import { AUTHJS, OWN_INSTALL, VARIANTS, WITH_USEFETCH, allAndInitialBytes, benchDir, buildVariant, clientJsBytes, clientJsParts } from './lib/variants.mjs'

const { values: flags } = parseArgs({
  options: {
    'skip-build': { type: 'boolean', default: false },
    'counts': { type: 'boolean', default: false },
    'held': { type: 'boolean', default: false },
    'rounds': { type: 'string', default: '5' },
    'pairs': { type: 'string', default: '5' },
    'duration': { type: 'string', default: '5' },
    'connections': { type: 'string', default: '10' },
    'sign-ins': { type: 'string', default: '7' },
    'tabs-ttl': { type: 'string', default: '8' },
    'only': { type: 'string', default: '' },
    'repeat': { type: 'string', default: '0' },
    'soak-ttl': { type: 'string', default: '3' },
  },
})
const options = {
  rounds: Number(flags.rounds),
  pairs: Number(flags.pairs),
  duration: Number(flags.duration),
  connections: Number(flags.connections),
  signInRuns: Number(flags['sign-ins']),
  tabsTtl: Number(flags['tabs-ttl']),
  repeat: Number(flags.repeat),
  soakTtl: Number(flags['soak-ttl']),
}
const repoRoot = join(benchDir, '..')
const step = message => process.stdout.write(`\n▸ ${message}\n`)

if (!flags['skip-build']) {
  // The module as npm would ship it: packed from this checkout and installed by name.
  step('packing nuxt-gatekeeper and installing the tarball into bench/node_modules')
  const packDir = join(benchDir, '.cache')
  rmSync(packDir, { recursive: true, force: true })
  mkdirSync(packDir, { recursive: true })
  // npm pack runs the module build first (prepack); the tarball is the only file in packDir.
  execFileSync('npm', ['pack', '--pack-destination', packDir], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] })
  const tarball = readdirSync(packDir).find(file => file.endsWith('.tgz'))
  execFileSync('npm', ['install', '--no-save', join(packDir, tarball)], { cwd: benchDir, stdio: ['ignore', 'ignore', 'inherit'] })
  // The builds for client bytes only (useFetch, Auth.js) are for full runs: --counts, --held and --repeat read none.
  const fullRun = !flags.counts && !flags.held && options.repeat === 0
  for (const name of OWN_INSTALL.filter(candidate => fullRun || !AUTHJS.some(variant => variant.name === candidate))) {
    step(`installing @sidebase/nuxt-auth 1.3.1 into its own tree (bench/variants/${name})`)
    execFileSync('npm', ['install'], { cwd: join(benchDir, 'variants', name), stdio: ['ignore', 'ignore', 'inherit'] })
  }
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'ensure-chromium.mjs')], { stdio: 'inherit' })
  for (const variant of VARIANTS.filter(candidate => !candidate.builtAs)) {
    step(`building ${variant.name}`)
    await buildVariant(variant)
  }
  if (fullRun) {
    for (const variant of WITH_USEFETCH) {
      step(`building ${variant.name} with a useFetch page (client bytes only)`)
      await buildVariant(variant)
    }
    for (const variant of AUTHJS) {
      step(`building ${variant.name} (client bytes only)`)
      await buildVariant(variant)
    }
  }
}

const bytes = new Map(VARIANTS.map(variant => [variant.name, clientJsBytes(variant)]))
// The same bytes by part (source maps beside the chunks, see scripts/client-parts.mjs), per build.
const parts = new Map(await Promise.all(VARIANTS.filter(variant => !variant.builtAs).map(async variant => [variant.name, await clientJsParts(variant)])))
step('starting Redis and the built apps')
const redis = await startRedis()
for (const variant of VARIANTS.filter(candidate => candidate.redis)) variant.env = { ...variant.env, NUXT_AUTH_SESSIONS_REDIS_URL: redis.url }
const servers = flags.counts || flags.held ? [] : await Promise.all(VARIANTS.map(startServer))
// Ctrl-C or a kill ends the run without reaching the `finally` below: stop every server and the Redis it started
// (a killed run left its redis-server and its callgrind servers behind).
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    stopEveryServer()
    redis.stop()
    process.exit(130)
  })
}
/** The variants the browser scenarios run for: token cookies a page script can set (the heap after navigations adds bare). */
const inBrowserScenarios = variant => variant.auth && !variant.sessions && !variant.httpOnly && !variant.accessOnly
let browser
try {
  if (flags.counts) {
    step('server instructions per SSR view: each variant under callgrind, two at a time')
    const instructions = await measureInstructions(VARIANTS)
    step('server memory allocated per SSR view: each variant served once more with the allocation probe')
    const allocation = await measureAllocation(VARIANTS)
    step('server heap held after first visits: each variant served once more with the heap probe')
    const held = await measureHeldHeap(VARIANTS)
    const report = renderCounts({ variants: VARIANTS, instructions, allocation, held, machine: machineDescription(), date: new Date().toISOString().slice(0, 10) })
    mkdirSync(join(benchDir, 'results'), { recursive: true })
    writeFileSync(join(benchDir, 'results', 'counts.md'), `${report}\n`)
    process.stdout.write(`\n${report}\n\n(also written to bench/results/counts.md)\n`)
  }
  else if (flags.held) {
    step('server heap held after first visits: each variant served once more with the heap probe')
    const held = await measureHeldHeap(VARIANTS)
    step('browser JS heap after client-side navigations')
    browser = await launchBrowser()
    const navigation = new Map()
    for (const variant of VARIANTS.filter(candidate => !candidate.auth || inBrowserScenarios(candidate))) {
      const server = await startServer(variant)
      try {
        navigation.set(variant.name, await navigationHeap(browser, server))
      }
      finally {
        server.stop()
      }
    }
    const report = renderCounts({ variants: VARIANTS, instructions: new Map(), allocation: new Map(), held, navigation, machine: machineDescription(browserLabel(browser)), date: new Date().toISOString().slice(0, 10), command: 'npm run bench -- --held' })
    mkdirSync(join(benchDir, 'results'), { recursive: true })
    writeFileSync(join(benchDir, 'results', 'held.md'), `${report}\n`)
    process.stdout.write(`\n${report}\n\n(also written to bench/results/held.md)\n`)
  }
  else if (options.repeat > 0) {
    browser = await launchBrowser()
    const only = flags.only ? flags.only.split(',') : ['gatekeeper-refresh']
    const results = new Map()
    for (const server of servers.filter(candidate => candidate.variant.refresh && only.includes(candidate.variant.name))) {
      step(`refresh soak: ${server.variant.name}, ${options.repeat} runs of each tab scenario`)
      results.set(server.variant.label, await runSoak(browser, server, { repeat: options.repeat, ttl: options.soakTtl }))
    }
    const report = `${renderSoak(results, { repeat: options.repeat, ttl: options.soakTtl })}\n\nMachine: ${machineDescription(browserLabel(browser))}. Run ${new Date().toISOString().slice(0, 10)} with \`npm run bench -- --repeat ${options.repeat}\`.`
    mkdirSync(join(benchDir, 'results'), { recursive: true })
    writeFileSync(join(benchDir, 'results', 'soak.md'), `${report}\n`)
    process.stdout.write(`\n${report}\n\n(also written to bench/results/soak.md)\n`)
  }
  else {
    step(`SSR throughput beside bare: ${options.pairs} pairs of fresh servers per variant, ${options.connections} connections each`)
    const throughput = await measurePairedThroughput(VARIANTS, startServer, { pairs: options.pairs, connections: options.connections })
    step('server memory allocated per SSR view: each variant served once more with the allocation probe')
    const allocation = await measureAllocation(VARIANTS)
    step('server instructions per SSR view: each variant under callgrind, two at a time')
    const instructions = await measureInstructions(VARIANTS)
    step('server heap held after first visits: each variant served once more with the heap probe')
    const held = await measureHeldHeap(VARIANTS)
    step(`API route throughput: ${options.rounds} interleaved rounds of ${options.duration} s`)
    const api = await measureApiThroughput(servers, options)
    step('session mode on Redis: one and two instances behind a round-robin proxy')
    const instances = await measureTwoInstances(servers, startServer, options)
    step('browser scenarios')
    browser = await launchBrowser()
    const scenarios = new Map()
    const only = flags.only ? flags.only.split(',') : null
    for (const server of servers.filter(candidate => inBrowserScenarios(candidate.variant) && (!only || only.includes(candidate.variant.name)))) {
      scenarios.set(server.variant.name, await runScenarios(browser, server, options))
    }
    step('browser JS heap after client-side navigations')
    const navigation = new Map()
    for (const server of servers.filter(candidate => !candidate.variant.auth || scenarios.has(candidate.variant.name))) navigation.set(server.variant.name, await navigationHeap(browser, server))
    step('client JS a first visit loads, in Chromium')
    const firstVisit = new Map()
    // Every variant, those served from another's build too: a visit depends on the cookies and the server's env.
    for (const server of servers) firstVisit.set(server.variant.name, await firstVisitJs(browser, server))
    // The apps that already use useFetch: bytes from their builds.
    const withUseFetch = new Map(await Promise.all(WITH_USEFETCH.map(async variant => [variant.name, allAndInitialBytes(await clientJsParts(variant))])))
    // The Auth.js builds: their parts join the per-part table, their bytes a table against bare.
    for (const variant of AUTHJS) parts.set(variant.name, await clientJsParts(variant))
    const authjsBytes = new Map(['bare', ...AUTHJS.map(variant => variant.name)].map(name => [name, allAndInitialBytes(parts.get(name))]))
    const machine = machineDescription(browserLabel(browser))
    const date = new Date().toISOString().slice(0, 10)
    const report = [renderReport({
      variants: VARIANTS,
      bytes,
      firstVisit,
      throughput,
      allocation,
      instructions,
      held,
      navigation,
      api,
      instances,
      scenarios,
      options,
      machine,
      date,
      // The flags as given, so the table says how to run it again.
      command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    }), renderParts({ variants: [...VARIANTS, ...AUTHJS], parts }),
    renderBytesAdded({ title: 'client JS added to an app that already uses useFetch', variants: WITH_USEFETCH, bytes: withUseFetch }),
    renderBytesAdded({ title: 'client JS added by the Auth.js providers, to the app without auth', variants: [VARIANTS[0], ...AUTHJS], bytes: authjsBytes })].join('\n\n')
    mkdirSync(join(benchDir, 'results'), { recursive: true })
    writeFileSync(join(benchDir, 'results', 'latest.md'), `${report}\n`)
    process.stdout.write(`\n${report}\n\n(also written to bench/results/latest.md)\n`)
    // The same figures as JSON, and the charts of docs/benchmarks.md drawn from it.
    const json = resultsJson({ variants: VARIANTS, bytes, firstVisit, parts, withUseFetch, authjsBytes, throughput, allocation, instructions, held, navigation, api, instances, scenarios, options, machine, date })
    writeResultsJson(json, join(benchDir, 'results', 'latest.json'))
    writeCharts(json, join(repoRoot, 'docs', 'public', 'benchmarks'))
    process.stdout.write('(and bench/results/latest.json, and its charts in docs/public/benchmarks/)\n')
  }
}
finally {
  await browser?.close()
  for (const server of servers) server.stop()
  // Also those a measurement started: when one of two parallel callgrind workers fails, the other's server was left
  // running under valgrind after the run had ended.
  stopEveryServer()
  redis.stop()
}
