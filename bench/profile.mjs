// `npm run bench:profile -- --variant gatekeeper-local` (from the repository root, after `npm run bench` built the
// variants): serves one built variant under `node --cpu-prof`, loads its protected page with autocannon as the
// SSR throughput run does, and writes the profile, a flame graph SVG and a table of self time per source to
// bench/results/profiles/. Flags: --variant (a list, with commas), --duration S (default 10), --warm-up S (default
// 2), --cpu-only (no profiler: only the server's CPU time per request, which holds up on a busy machine where req/s
// does not, split into the main thread's and the helper threads'), --path (default /a; e.g. /api/session-owner,
// the API-route table's route, which bare has as /api/plain).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { clockTicks, clockTicksByThread } from './lib/cpu.mjs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { flameGraphSvg, selfTimeBySource } from './lib/flamegraph.mjs'
import { startServer, visitorCookie } from './lib/server.mjs'
import { VARIANTS, benchDir } from './lib/variants.mjs'
import { startRedis } from '../scripts/redis.mjs'

const { values: flags } = parseArgs({ options: { 'variant': { type: 'string', default: 'bare,gatekeeper-local' }, 'duration': { type: 'string', default: '10' }, 'warm-up': { type: 'string', default: '2' }, 'cpu-only': { type: 'boolean', default: false }, 'path': { type: 'string', default: '/a' } } })
const outDir = join(benchDir, 'results', 'profiles')
mkdirSync(outDir, { recursive: true })
const redis = flags.variant.includes('redis') ? await startRedis() : null
const table = []

for (const name of flags.variant.split(',')) {
  const variant = VARIANTS.find(candidate => candidate.name === name)
  if (!variant) throw new Error(`no variant ${name}: one of ${VARIANTS.map(candidate => candidate.name).join(', ')}`)
  const profileDir = join(outDir, `${name}.tmp`)
  rmSync(profileDir, { recursive: true, force: true })
  const env = redis && variant.redis ? { ...variant.env, NUXT_AUTH_SESSIONS_REDIS_URL: redis.url } : variant.env
  const server = await startServer({ ...variant, env }, { nodeArgs: flags['cpu-only'] ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] })
  await server.control({ rotate: false, accessTtl: 1800 })
  const { cookie } = variant.auth ? await visitorCookie(server) : { cookie: '' }
  // Warm-up, then the measured load (the profile covers both; the warm-up is short unless --warm-up says otherwise).
  const warmUp = await autocannon({ url: `${server.url}${flags.path}`, duration: Number(flags['warm-up']), connections: 10, headers: { cookie } })
  const ticksBefore = clockTicks(server.child.pid)
  const threadsBefore = clockTicksByThread(server.child.pid)
  const result = await autocannon({ url: `${server.url}${flags.path}`, duration: Number(flags.duration), connections: 10, headers: { cookie } })
  // CPU time per request of the server process: unlike req/s, it holds up on a machine busy with other work.
  const cpuMsPerRequest = (clockTicks(server.child.pid) - ticksBefore) * 10 / result.requests.total
  const threadsAfter = clockTicksByThread(server.child.pid)
  const msPerRequest = part => ((threadsAfter[part] - threadsBefore[part]) * 10 / result.requests.total).toFixed(3)
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
writeFileSync(join(outDir, 'summary.md'), `${summary}\n`)
process.stdout.write(`\n${summary}\n`)
