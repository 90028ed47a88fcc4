// SSR throughput of the protected page with a valid cookie: autocannon on loopback, variants interleaved
// (A B C D A B C D …) so a slow moment of the machine hits every variant alike; the median per variant.
import autocannon from 'autocannon'
import { clockTicks } from './cpu.mjs'
import { visitorCookie } from './server.mjs'
import { median } from './stats.mjs'

async function cannon(url, cookie, duration, connections) {
  return await autocannon({ url, duration, connections, headers: { cookie } })
}

export async function measureThroughput(servers, { rounds, duration, connections }) {
  const targets = []
  for (const server of servers) {
    // Without rotation: a module that refreshes on every SSR request is measured rendering the page, not
    // redirecting to the login page after its first spent refresh token.
    await server.control({ rotate: false, accessTtl: 1800 })
    const { user, cookie } = await visitorCookie(server)
    const check = await fetch(`${server.url}/a`, { headers: { cookie }, redirect: 'manual' })
    const html = await check.text()
    if (check.status !== 200 || (server.variant.auth && !html.includes(user.name))) {
      throw new Error(`${server.variant.name}: /a with a valid cookie answered ${check.status} without the user's name`)
    }
    await cannon(`${server.url}/a`, cookie, 2, connections)
    targets.push({ server, cookie, samples: [], cpuSamples: [], requests: 0, backendCalls: 0, non2xx: 0 })
  }
  for (let round = 0; round < rounds; round++) {
    for (const target of targets) {
      await target.server.control({ reset: true })
      // The server's CPU time per view as well: req/s moves with whatever else the machine does (other tenants of a
      // VM, the load generator), the CPU a render costs much less (/proc, Linux's 10 ms ticks over a whole round).
      const ticks = clockTicks(target.server.child.pid)
      const result = await cannon(`${target.server.url}/a`, target.cookie, duration, connections)
      target.cpuSamples.push((clockTicks(target.server.child.pid) - ticks) * 10 / result.requests.total)
      const { counters } = await target.server.state()
      target.samples.push(result.requests.average)
      target.requests += result.requests.total
      target.non2xx += result.non2xx + result.errors + result.timeouts
      target.backendCalls += Object.values(counters).reduce((sum, count) => sum + count, 0)
      process.stdout.write(`  round ${round + 1}/${rounds} ${target.server.variant.name}: ${Math.round(result.requests.average)} req/s\n`)
    }
  }
  for (const { server } of targets) await server.control({ rotate: true })
  return new Map(targets.map(target => [target.server.variant.name, {
    median: median(target.samples),
    samples: target.samples,
    cpuMsPerView: median(target.cpuSamples),
    backendCallsPerView: target.requests ? target.backendCalls / target.requests : 0,
    failed: target.non2xx,
  }]))
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
      target.non2xx += result.non2xx + result.errors + result.timeouts
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
    await first.control({ rotate: false, accessTtl: 1800 })
    const { user, cookie } = await first.sessionCookie()
    for (const proxy of Object.values(proxies)) {
      const html = await (await fetch(`${proxy.url}/a`, { headers: { cookie } })).text()
      if (!html.includes(user.name)) throw new Error('two instances: /a through the proxy did not render the signed-in user')
      await cannon(`${proxy.url}/a`, cookie, 2, connections)
    }
    const samples = { one: [], two: [] }
    for (let round = 0; round < rounds; round++) {
      for (const [name, proxy] of Object.entries(proxies)) {
        const result = await cannon(`${proxy.url}/a`, cookie, duration, connections)
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
