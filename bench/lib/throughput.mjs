// Throughput: the SSR of the protected page beside the app without auth (pairs of fresh servers), the API routes and
// two instances behind a proxy (interleaved rounds). autocannon on loopback.
import { execFileSync } from 'node:child_process'
import { cpus } from 'node:os'
import autocannon from 'autocannon'
import { clockTicks } from './cpu.mjs'
import { failures, rendersUser, visitorCookie } from './server.mjs'
import { median } from './stats.mjs'

async function cannon(url, cookie, duration, connections) {
  return await autocannon({ url, duration, connections, headers: { cookie } })
}

/**
 * The CPU the server's render may use: on a machine with two or more cores and `taskset` (util-linux), both servers of a
 * pair share core 0 and this process (the load generator) keeps to core 1; elsewhere nothing is pinned.
 */
function pinning() {
  if (cpus().length < 2 || process.platform !== 'linux') return null
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' })
  }
  catch {
    return null
  }
  return {
    command: ['taskset', '-c', '0', process.execPath],
    pinRunner: () => execFileSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' }),
    unpinRunner: () => execFileSync('taskset', ['-p', '-c', `0-${cpus().length - 1}`, String(process.pid)], { stdio: 'ignore' }),
  }
}

/**
 * V8 grows its young generation as a process allocates and shrinks it when the process idles, so a server's speed
 * drifts for half a minute after a pause. A fixed size, the same for every server, takes that drift out.
 */
const SERVER_NODE_ARGS = ['--min-semi-space-size=16', '--max-semi-space-size=16']

/** A server of `variant`, checked: `/a` with the visitor's cookie answers 200 with the user's name. */
async function readyServer(variant, startServer, command) {
  const server = await startServer(variant, { nodeArgs: SERVER_NODE_ARGS, ...(command ? { command } : {}) })
  // Without rotation: a module that refreshes on every SSR request is measured rendering the page, not
  // redirecting to the login page after its first spent refresh token.
  await server.control({ rotate: false, accessTtl: 1800 })
  const { user, cookie } = await visitorCookie(server)
  try {
    await server.quietly(async () => {
      const check = await fetch(`${server.url}/a`, { headers: { cookie }, redirect: 'manual' })
      const html = await check.text()
      if (check.status !== 200 || (variant.auth && !rendersUser(html, user))) throw new Error(`${variant.name}: /a with a valid cookie answered ${check.status} without the user's name`)
    })
  }
  catch (error) {
    server.stop()
    throw error
  }
  return { server, cookie }
}

/**
 * SSR throughput of the protected page with a valid cookie, as a ratio of the app without auth. Timed one after
 * the other, two builds on this machine differ by more than the module costs: the machine's speed moves from one
 * second to the next, and two processes of one build settle their JIT code differently (byte-identical builds timed
 * 0.96 to 1.04 of each other). So each variant is timed beside bare, at the same moment on the same core: a pair of
 * fresh servers (bare and the variant) loaded at once for the warm-up and `rounds` windows of `duration` s, and in
 * each window bare's CPU time per view divided by the variant's (each process's own CPU time over its own
 * responses); the median window is the pair's ratio, and the median of `pairs` pairs (fresh processes each) the
 * variant's. The ratio of their requests in the same windows is kept beside it (`requestRatio`): for two servers
 * that only compute it is the same figure, but the kernel's scheduler favours a process that waits (on Redis, say)
 * each time it wakes, so one that waits gets more than half the core and its request ratio flatters it. Req/s is
 * each server's rate while it shares the core, not alone.
 *
 * Bare is timed the same way beside a second bare server (`control`): the same build on both sides, so its ratio
 * is what the method reads where there is no difference, and its pairs' spread is the run's own noise.
 */
export async function measurePairedThroughput(variants, startServer, { pairs, rounds = 4, duration = 2, warmUp = 8, connections }) {
  const bare = variants.find(variant => !variant.auth)
  const pin = pinning()
  const results = new Map()
  const bareSamples = { rates: [], cpu: [] }

  /** `pairs` pairs of fresh servers, bare and `variant`, and the figures of `variant`'s side. */
  async function timeBesideBare(variant) {
    const pairRatios = []
    const requestRatios = []
    const rates = []
    const cpu = []
    let requests = 0
    let backendCalls = 0
    let failed = 0
    for (let pair = 0; pair < pairs; pair++) {
      const both = []
      try {
        for (const member of [bare, variant]) both.push(await readyServer(member, startServer, pin?.command))
        const load = seconds => Promise.all(both.map(({ server, cookie }) => cannon(`${server.url}/a`, cookie, seconds, connections)))
        await load(warmUp)
        const windowRatios = []
        const windowCpuRatios = []
        for (let round = 0; round < rounds; round++) {
          await both[1].server.control({ reset: true })
          const ticks = both.map(({ server }) => clockTicks(server.child.pid))
          const answers = await load(duration)
          const cpuPerView = both.map(({ server }, index) => (clockTicks(server.child.pid) - ticks[index]) * 10 / answers[index].requests.total)
          const { counters } = await both[1].server.state()
          windowRatios.push(answers[1].requests.total / answers[0].requests.total)
          windowCpuRatios.push(cpuPerView[0] / cpuPerView[1])
          bareSamples.rates.push(answers[0].requests.average)
          bareSamples.cpu.push(cpuPerView[0])
          rates.push(answers[1].requests.average)
          cpu.push(cpuPerView[1])
          requests += answers[1].requests.total
          failed += failures(answers[1])
          // Either side answering with redirects or errors (cheaper than a render) would move the ratio: not a measurement.
          const bareFailed = failures(answers[0])
          if (failed + bareFailed > 0) throw new Error(`${variant.name} beside bare: ${failed} of its answers and ${bareFailed} of bare's were not 200 in pair ${pair + 1}`)
          backendCalls += Object.values(counters).reduce((sum, count) => sum + count, 0)
        }
        pairRatios.push(median(windowCpuRatios))
        requestRatios.push(median(windowRatios))
        process.stdout.write(`  pair ${pair + 1}/${pairs} ${variant === bare ? 'a second bare server' : variant.name} beside bare: CPU per view ${median(windowCpuRatios).toFixed(3)}, requests ${median(windowRatios).toFixed(3)}\n`)
      }
      finally {
        for (const { server } of both) await server.stopAndWait()
      }
    }
    return {
      ratio: median(pairRatios),
      pairRatios,
      cpuRatio: median(pairRatios),
      requestRatio: median(requestRatios),
      median: median(rates),
      samples: rates,
      cpuMsPerView: median(cpu),
      backendCallsPerView: requests ? backendCalls / requests : 0,
      failed,
    }
  }

  pin?.pinRunner()
  try {
    const control = await timeBesideBare(bare)
    for (const variant of variants.filter(candidate => candidate.auth)) results.set(variant.name, await timeBesideBare(variant))
    results.set(bare.name, {
      ratio: 1,
      cpuRatio: 1,
      requestRatio: 1,
      median: median(bareSamples.rates),
      samples: bareSamples.rates,
      cpuMsPerView: median(bareSamples.cpu),
      backendCallsPerView: 0,
      failed: control.failed,
      control: { cpuRatio: control.cpuRatio, pairRatios: control.pairRatios, requestRatio: control.requestRatio },
    })
  }
  finally {
    pin?.unpinRunner()
  }
  return results
}

/**
 * API route requests per second: the app's route guarded by `requireServerSession` (gatekeeper variants: the
 * backend's session endpoint through the server's cache, or the JWT verified locally) against a route with no
 * auth on the bare app. Interleaved rounds, the median per target.
 */
export const API_TARGETS = [
  { variant: 'bare', path: '/api/plain', label: 'no auth (bare app)' },
  { variant: 'gatekeeper-local', path: '/api/session-owner', label: '`requireServerSession`, backend session check (server cache on)' },
  { variant: 'gatekeeper-local-jwt', path: '/api/session-owner', label: '`requireServerSession`, JWT verified on the server' },
  { variant: 'gatekeeper-sessions', path: '/api/session-owner', label: '`requireServerSession`, session mode (memory)' },
  { variant: 'gatekeeper-sessions-redis', path: '/api/session-owner', label: '`requireServerSession`, session mode (Redis)' },
]

export async function measureApiThroughput(servers, { rounds, duration, connections }) {
  const targets = []
  for (const spec of API_TARGETS) {
    const server = servers.find(candidate => candidate.variant.name === spec.variant)
    if (!server) continue
    await server.control({ rotate: false, accessTtl: 1800 })
    const cookie = server.variant.auth ? (await visitorCookie(server)).cookie : ''
    const check = await fetch(`${server.url}${spec.path}`, { headers: { cookie } })
    if (check.status !== 200) throw new Error(`${spec.variant}: ${spec.path} answered ${check.status}`)
    await cannon(`${server.url}${spec.path}`, cookie, 2, connections)
    targets.push({ spec, server, cookie, samples: [], requests: 0, backendCalls: 0, non2xx: 0 })
  }
  for (let round = 0; round < rounds; round++) {
    for (const target of targets) {
      await target.server.control({ reset: true })
      const result = await cannon(`${target.server.url}${target.spec.path}`, target.cookie, duration, connections)
      const { counters } = await target.server.state()
      target.samples.push(result.requests.average)
      target.requests += result.requests.total
      target.non2xx += failures(result)
      if (failures(result) > 0) throw new Error(`API route ${target.spec.path} (${target.spec.variant}): ${failures(result)} answers were not 200 in round ${round + 1}`)
      // The route itself is counted by the bench backend's middleware only when it is a backend route.
      target.backendCalls += Object.entries(counters).filter(([key]) => !key.endsWith(target.spec.path)).reduce((sum, [, count]) => sum + count, 0)
      process.stdout.write(`  round ${round + 1}/${rounds} ${target.spec.variant} ${target.spec.path}: ${Math.round(result.requests.average)} req/s\n`)
    }
  }
  for (const { server } of targets) await server.control({ rotate: true })
  return targets.map(target => ({
    label: target.spec.label,
    median: median(target.samples),
    backendCallsPerRequest: target.requests ? target.backendCalls / target.requests : 0,
    failed: target.non2xx,
  }))
}

/** A round-robin HTTP proxy (node:http) in front of `targets`, as a load balancer would be. */
async function roundRobin(targets) {
  const { createServer, request } = await import('node:http')
  let next = 0
  const server = createServer((incoming, outgoing) => {
    const target = new URL(targets[next++ % targets.length])
    const upstream = request({ hostname: target.hostname, port: target.port, path: incoming.url, method: incoming.method, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.rawHeaders)
      answer.pipe(outgoing)
    })
    upstream.on('error', () => outgoing.destroy())
    incoming.pipe(upstream)
  })
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise(resolve => server.close(resolve)) }
}

/**
 * Session mode on Redis behind a round-robin proxy: the same build as one instance and as two, SSR of the
 * protected page through the proxy (interleaved rounds, the median each). On a machine with few cores the two
 * instances share them with the proxy, Redis and the load generator: the figure shows the cost of sharing the
 * session, not a scale-out.
 */
export async function measureTwoInstances(servers, startServer, { rounds, duration, connections }) {
  const first = servers.find(candidate => candidate.variant.name === 'gatekeeper-sessions-redis')
  if (!first) return null
  const second = await startServer(first.variant)
  const proxies = { one: await roundRobin([first.url]), two: await roundRobin([first.url, second.url]) }
  try {
    for (const server of [first, second]) await server.control({ rotate: false, accessTtl: 1800 })
    const { user, cookie } = await first.sessionCookie()
    // Each instance renders the user from the shared session (the proxies' own counters would send both checks to
    // the first), and each proxy does.
    for (const url of [first.url, second.url, proxies.one.url, proxies.two.url]) {
      const answer = await fetch(`${url}/a`, { headers: { cookie }, redirect: 'manual' })
      if (answer.status !== 200 || !rendersUser(await answer.text(), user)) throw new Error(`two instances: /a at ${url} did not render the signed-in user (${answer.status})`)
    }
    for (const proxy of Object.values(proxies)) await cannon(`${proxy.url}/a`, cookie, 2, connections)
    const samples = { one: [], two: [] }
    for (let round = 0; round < rounds; round++) {
      for (const [name, proxy] of Object.entries(proxies)) {
        const result = await cannon(`${proxy.url}/a`, cookie, duration, connections)
        // A redirect or an error is cheaper than a render: counted in, it would raise req/s.
        const failed = failures(result)
        if (failed > 0) throw new Error(`two instances: ${failed} of the ${name === 'one' ? 'one instance' : 'two instances'} round's answers were not 200`)
        samples[name].push(result.requests.average)
        process.stdout.write(`  round ${round + 1}/${rounds} session mode (Redis), ${name === 'one' ? 'one instance' : 'two instances'} behind the proxy: ${Math.round(result.requests.average)} req/s\n`)
      }
    }
    return { one: median(samples.one), two: median(samples.two) }
  }
  finally {
    await proxies.one.close()
    await proxies.two.close()
    second.stop()
  }
}
