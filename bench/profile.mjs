// `npm run bench:profile -- --variant gatekeeper-local` (from the repository root, after `npm run bench` built the
// variants): serves one built variant under `node --cpu-prof`, loads its protected page with autocannon as the
// SSR throughput run does, and writes the profile, a flame graph SVG and a table of self time per source to
// bench/results/profiles/. Flags: --variant (a list, with commas), --duration S (default 10), --warm-up S (default
// 2), --cpu-only (no profiler: only the server's CPU time per request, which holds up on a busy machine where req/s
// does not, split into the main thread's and the helper threads'), --path (default /a; e.g. /api/session-owner,
// the API-route table's route, which bare has as /api/plain), --gc (the garbage collector's pauses per 1000
// requests, minor and major, from bench/lib/gc-probe.mjs in the server), --node-arg X (repeatable: a flag for the
// server's node, e.g. --node-arg=--no-allocation-site-pretenuring).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { clockTicks, clockTicksByThread } from './lib/cpu.mjs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { flameGraphSvg, selfTimeBySource } from './lib/flamegraph.mjs'
import { failures, rendersUser, startServer, visitorCookie } from './lib/server.mjs'
import { VARIANTS, benchDir } from './lib/variants.mjs'
import { startRedis } from '../scripts/redis.mjs'

const { values: flags } = parseArgs({ options: { 'variant': { type: 'string', default: 'bare,gatekeeper-local' }, 'duration': { type: 'string', default: '10' }, 'warm-up': { type: 'string', default: '2' }, 'cpu-only': { type: 'boolean', default: false }, 'path': { type: 'string', default: '/a' }, 'gc': { type: 'boolean', default: false }, 'node-arg': { type: 'string', multiple: true, default: [] } } })
const outDir = join(benchDir, 'results', 'profiles')
mkdirSync(outDir, { recursive: true })
const redis = flags.variant.includes('redis') ? await startRedis() : null
const table = []
const gcTable = []
const gcProbe = join(benchDir, 'lib', 'gc-probe.mjs')

/** The GC probe's totals (bench/lib/gc-probe.mjs): asked for with SIGUSR2, read from the server's stderr. */
async function gcTotals(server) {
  const mark = server.stderr().length
  server.child.kill('SIGUSR2')
  for (let attempt = 0; attempt < 100; attempt++) {
    // Only a whole line: the pipe may deliver it in two chunks.
    const line = server.stderr().slice(mark).split('\n').slice(0, -1).find(text => text.startsWith('GC-PROBE '))
    if (line) return JSON.parse(line.slice('GC-PROBE '.length))
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  throw new Error(`${server.variant.name}: the GC probe did not answer`)
}

for (const name of flags.variant.split(',')) {
  const variant = VARIANTS.find(candidate => candidate.name === name)
  if (!variant) throw new Error(`no variant ${name}: one of ${VARIANTS.map(candidate => candidate.name).join(', ')}`)
  const profileDir = join(outDir, `${name}.tmp`)
  rmSync(profileDir, { recursive: true, force: true })
  const env = redis && variant.redis ? { ...variant.env, NUXT_AUTH_SESSIONS_REDIS_URL: redis.url } : variant.env
  const nodeArgs = [...flags['node-arg'], ...(flags.gc ? ['--import', gcProbe] : []), ...(flags['cpu-only'] ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`])]
  const server = await startServer({ ...variant, env }, { nodeArgs })
  await server.control({ rotate: false, accessTtl: 1800 })
  const { user, cookie } = variant.auth ? await visitorCookie(server) : { cookie: '' }
  // The path answers 200 (on /a with the user's name): a profile of redirects or 404s would be of another thing.
  const check = await fetch(`${server.url}${flags.path}`, { headers: { cookie }, redirect: 'manual' })
  const body = await check.text()
  // A failed check stops the server and Redis before it throws.
  const fail = async (message) => {
    await server.stopAndWait()
    redis?.stop()
    throw new Error(message)
  }
  if (check.status !== 200 || (user && flags.path === '/a' && !rendersUser(body, user))) await fail(`${name}: ${flags.path} answered ${check.status}${user && flags.path === '/a' ? ` without ${user.name}` : ''}`)
  // Warm-up, then the measured load (the profile covers both; the warm-up is short unless --warm-up says otherwise).
  const warmUp = await autocannon({ url: `${server.url}${flags.path}`, duration: Number(flags['warm-up']), connections: 10, headers: { cookie } })
  const gcBefore = flags.gc ? await gcTotals(server) : null
  const ticksBefore = clockTicks(server.child.pid)
  const threadsBefore = clockTicksByThread(server.child.pid)
  const result = await autocannon({ url: `${server.url}${flags.path}`, duration: Number(flags.duration), connections: 10, headers: { cookie } })
  if (failures(result) > 0) await fail(`${name}: ${failures(result)} answers of ${flags.path} were not 200 under load`)
  // CPU time per request of the server process: unlike req/s, it holds up on a machine busy with other work.
  const cpuMsPerRequest = (clockTicks(server.child.pid) - ticksBefore) * 10 / result.requests.total
  const threadsAfter = clockTicksByThread(server.child.pid)
  const msPerRequest = part => ((threadsAfter[part] - threadsBefore[part]) * 10 / result.requests.total).toFixed(3)
  if (gcBefore) {
    const gcAfter = await gcTotals(server)
    const per1000 = (count, ms) => `${(1000 * (gcAfter[count] - gcBefore[count]) / result.requests.total).toFixed(2)} (${(1000 * (gcAfter[ms] - gcBefore[ms]) / result.requests.total).toFixed(2)} ms)`
    const line = `${per1000('minor', 'minorMs')} minor, ${per1000('major', 'majorMs')} major`
    gcTable.push(`| ${variant.label}${flags['node-arg'].length ? ` (${flags['node-arg'].join(' ')})` : ''} | ${per1000('minor', 'minorMs')} | ${per1000('major', 'majorMs')} | ${((gcAfter.minorMs - gcBefore.minorMs) / Math.max(1, gcAfter.minor - gcBefore.minor)).toFixed(2)} ms |`)
    process.stdout.write(`${name}: per 1000 requests ${line}\n`)
  }
  await server.stopAndWait()
  if (flags['cpu-only']) {
    table.push(`| ${variant.label} | ${cpuMsPerRequest.toFixed(3)} ms | ${msPerRequest('main')} ms | ${msPerRequest('helpers')} ms |`)
    process.stdout.write(`${name}: ${cpuMsPerRequest.toFixed(3)} ms CPU per request (main thread ${msPerRequest('main')}, helper threads ${msPerRequest('helpers')}; ${Math.round(result.requests.average)} req/s)\n`)
    continue
  }
  const file = readdirSync(profileDir).find(entry => entry.endsWith('.cpuprofile'))
  const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8'))
  rmSync(profileDir, { recursive: true, force: true })
  writeFileSync(join(outDir, `${name}.cpuprofile`), JSON.stringify(profile))
  // Every request the profile saw (warm-up included): per-request CPU time = profile time / requests.
  writeFileSync(join(outDir, `${name}.json`), JSON.stringify({ requests: warmUp.requests.total + result.requests.total, reqPerSec: result.requests.average, cpuMsPerRequest }))
  const ours = node => /gatekeeper|pinia|useAuth|AuthManager|authStore/i.test(`${node.name} ${node.url}`)
  writeFileSync(join(outDir, `${name}.svg`), flameGraphSvg(profile, { title: `${variant.label}: ${flags.path} under load (${Math.round(result.requests.average)} req/s)`, highlight: ours }))
  const shares = selfTimeBySource(profile).slice(0, 15)
  table.push(`### ${variant.label} (${Math.round(result.requests.average)} req/s under the profiler)\n\n| self time | source |\n|---|---|\n${shares.map(([source, share]) => `| ${(100 * share).toFixed(1)} % | ${source} |`).join('\n')}`)
  process.stdout.write(`${name}: ${Math.round(result.requests.average)} req/s, ${cpuMsPerRequest.toFixed(2)} ms CPU per request; profile, flame graph in ${outDir}\n`)
}
redis?.stop()
const summary = flags['cpu-only'] ? `| variant | CPU per request | main thread | helper threads |\n|---|---|---|---|\n${table.join('\n')}` : table.join('\n\n')
const gcSummary = gcTable.length ? `\n\n| variant | minor GCs per 1000 requests (their time) | major GCs per 1000 requests (their time) | one minor GC |\n|---|---|---|---|\n${gcTable.join('\n')}` : ''
writeFileSync(join(outDir, 'summary.md'), `${summary}${gcSummary}\n`)
process.stdout.write(`\n${summary}${gcSummary}\n`)
