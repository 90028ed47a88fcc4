// `npm run bench` (from the repository root): builds the bench app in every variant, serves each on
// 127.0.0.1, measures client JS, SSR throughput and the browser scenarios, and prints one markdown table.
//
// Flags: --skip-build (reuse the last builds and the installed package), --rounds N (throughput rounds,
// default 5), --duration S (seconds per round, default 5), --connections N (default 10),
// --sign-ins N (default 7), --tabs-ttl S (access-token lifetime in the three-tab scenario, default 8),
// --only a,b (browser scenarios of these variants only, e.g. --only gatekeeper-refresh).
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { launchBrowser, runScenarios } from './lib/browser.mjs'
import { machineDescription, renderReport } from './lib/report.mjs'
import { startServer } from './lib/server.mjs'
import { measureThroughput } from './lib/throughput.mjs'
import { VARIANTS, benchDir, buildVariant, clientJsBytes } from './lib/variants.mjs'

const { values: flags } = parseArgs({
  options: {
    'skip-build': { type: 'boolean', default: false },
    'rounds': { type: 'string', default: '5' },
    'duration': { type: 'string', default: '5' },
    'connections': { type: 'string', default: '10' },
    'sign-ins': { type: 'string', default: '7' },
    'tabs-ttl': { type: 'string', default: '8' },
    'only': { type: 'string', default: '' },
  },
})
const options = {
  rounds: Number(flags.rounds),
  duration: Number(flags.duration),
  connections: Number(flags.connections),
  signInRuns: Number(flags['sign-ins']),
  tabsTtl: Number(flags['tabs-ttl']),
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
  step('installing @sidebase/nuxt-auth 1.3.1 into its own tree (bench/variants/sidebase-refresh)')
  execFileSync('npm', ['install'], { cwd: join(benchDir, 'variants', 'sidebase-refresh'), stdio: ['ignore', 'ignore', 'inherit'] })
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'ensure-chromium.mjs')], { stdio: 'inherit' })
  for (const variant of VARIANTS) {
    step(`building ${variant.name}`)
    await buildVariant(variant)
  }
}

const bytes = new Map(VARIANTS.map(variant => [variant.name, clientJsBytes(variant)]))
step('starting the built apps')
const servers = await Promise.all(VARIANTS.map(startServer))
let browser
try {
  step(`SSR throughput: ${options.rounds} interleaved rounds of ${options.duration} s, ${options.connections} connections`)
  const throughput = await measureThroughput(servers, options)
  step('browser scenarios')
  browser = await launchBrowser()
  const scenarios = new Map()
  const only = flags.only ? flags.only.split(',') : null
  for (const server of servers.filter(candidate => candidate.variant.auth && (!only || only.includes(candidate.variant.name)))) {
    scenarios.set(server.variant.name, await runScenarios(browser, server, options))
  }
  const report = renderReport({
    variants: VARIANTS,
    bytes,
    throughput,
    scenarios,
    options,
    machine: machineDescription(browser.version()),
    date: new Date().toISOString().slice(0, 10),
  })
  mkdirSync(join(benchDir, 'results'), { recursive: true })
  writeFileSync(join(benchDir, 'results', 'latest.md'), `${report}\n`)
  process.stdout.write(`\n${report}\n\n(also written to bench/results/latest.md)\n`)
}
finally {
  await browser?.close()
  for (const server of servers) server.stop()
}
