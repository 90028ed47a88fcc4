import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Backend, newUser } from './helpers'
import { builtRenderMark, onFreePort, roundRobin, serveBuilt, settledOutput, type ServedApp } from './serve'

// The same built local fixture, started again with NUXT_PUBLIC_AUTH_BASE_URL and
// NUXT_AUTH_SESSION_CACHE_MAX_AGE set, and with the incumbent's AUTH_ORIGIN: run-time values must win over
// nuxt.config's `auth` options (docs/reference/configuration.md, "baseURL"; docs/guide/ssr.md, "The session
// cache"). And base URLs nothing serves, where only the page renderer answers: the built authjs fixture with a
// path (its renders check the session in-process), the local fixture with a full URL (over HTTP, with a token).
const fixtureDir = fileURLToPath(new URL('../fixtures/local', import.meta.url))
const authjsDir = fileURLToPath(new URL('../fixtures/authjs', import.meta.url))
const primary = new Backend(inject('localBaseURL'))
let baseURL = ''
let originBaseURL = ''
const stops: Array<() => void> = []
/** Servers whose base URL leads to this app's own pages: nothing serves /api/nowhere. A view of `page` with `cookie` checks the session. */
const misdirected: Array<{ name: string, server: ServedApp, page: string, cookie: string }> = []
/** A token the local fixture's renders ask the (misdirected) backend about. */
const ANY_TOKEN = 'auth.token=asked-about-on-every-render'
/** Two instances of that build behind a round-robin proxy, whose base URL is the proxy's: a fleet misdirected. */
let fleet: { proxy: Awaited<ReturnType<typeof roundRobin>>, instances: ServedApp[] }
const AUTHJS_SECRET = 'e2e-only-auth-secret-0123456789abcdef0123'

/** How many requests for /api/nowhere/session the servers at `baseURLs` received (their request counters), together. */
async function nowhereSessionCalls(...baseURLs: string[]): Promise<number> {
  const counts = await Promise.all(baseURLs.map(async baseURL => ((await (await fetch(`${baseURL}/api/_test/counters`)).json()) as Record<string, number>)['GET /api/nowhere/session'] ?? 0))
  return counts.reduce((sum, count) => sum + count, 0)
}

/** The built local fixture once more, on a port of its own, with `env` (a function of that port) set. */
async function startServer(env: (port: number) => Record<string, string>): Promise<string> {
  const server = await onFreePort(port => serveBuilt(fixtureDir, env(port), { port, readyPath: '/api/_test/counters' }))
  stops.push(server.stop)
  return server.baseURL
}

beforeAll(async () => {
  // A full URL (this very server) instead of the configured path.
  baseURL = await startServer(port => ({ NUXT_PUBLIC_AUTH_BASE_URL: `http://127.0.0.1:${port}/api/auth`, NUXT_AUTH_SESSION_CACHE_MAX_AGE: '0' }))
  // The incumbent's variable (auth.originEnvKey), as its users set it in production.
  originBaseURL = await startServer(port => ({ AUTH_ORIGIN: `http://127.0.0.1:${port}/api/auth` }))
  // The authjs fixture: its server renders check the session for every visitor, cookie or not.
  const authjs = (env: (port: number) => Record<string, string>) => onFreePort(port => serveBuilt(authjsDir, { AUTH_URL: `http://127.0.0.1:${port}`, AUTH_SECRET: AUTHJS_SECRET, ...env(port) }, { port, readyPath: '/api/_test/counters' }))
  const local = (env: (port: number) => Record<string, string>) => onFreePort(port => serveBuilt(fixtureDir, env(port), { port, readyPath: '/api/_test/counters' }))
  misdirected.push(
    { name: 'a path (SSR calls the app in-process)', server: await authjs(() => ({ NUXT_PUBLIC_AUTH_BASE_URL: '/api/nowhere' })), page: '/protected', cookie: '' },
    { name: 'a full URL of this server (SSR calls it over HTTP)', server: await local(port => ({ AUTH_ORIGIN: `http://127.0.0.1:${port}/api/nowhere` })), page: '/profile', cookie: ANY_TOKEN },
  )
  for (const { server } of misdirected) stops.push(server.stop)
  // The proxy first: both instances are configured with its URL, as a fleet behind a load balancer is.
  const proxy = await roundRobin([])
  stops.push(() => void proxy.close())
  const behindProxy = { AUTH_ORIGIN: `${proxy.baseURL}/api/nowhere` }
  const instances = [await serveBuilt(fixtureDir, behindProxy, { readyPath: '/api/_test/counters' }), await serveBuilt(fixtureDir, behindProxy, { readyPath: '/api/_test/counters' })]
  for (const instance of instances) {
    stops.push(instance.stop)
    proxy.served.push(0)
  }
  proxy.targets.push(...instances.map(instance => instance.baseURL))
  fleet = { proxy, instances }
})
afterAll(() => stops.forEach(stop => stop()))

describe('NUXT_PUBLIC_AUTH_BASE_URL', () => {
  it('overrides auth.baseURL at run time, for SSR and for the browser config', async () => {
    const user = newUser()
    const backend = new Backend(baseURL)
    await backend.register(user)
    const token = await backend.login(user.email, user.password)
    await backend.reset()
    await primary.reset()
    const html = await (await fetch(`${baseURL}/profile`, { headers: { cookie: `auth.token=${token}` } })).text()
    expect(html).toContain(user.email)
    expect(html).toMatch(/baseURL:"http:\/\/127\.0\.0\.1:\d+\/api\/auth"/)
    // The session check went to the env URL (this server), not to the primary fixture server.
    expect(await backend.count('GET /api/auth/session')).toBe(1)
    expect(await primary.count('GET /api/auth/session')).toBe(0)
    // An SPA page's shell (no server render, no Nuxt plugin on the server) carries it to the browser too.
    const shell = await (await fetch(`${baseURL}/modes/spa`)).text()
    expect(shell).toContain(`auth:{baseURL:"${baseURL}/api/auth"}`)
  })

  it('without it, the pages\' runtime config has no auth key at all (the build\'s base URL is in the bundle)', async () => {
    const html = await (await fetch(`${inject('localBaseURL')}/login`)).text()
    expect(html).toMatch(/public:\{/)
    expect(html).not.toMatch(/auth:\{baseURL/)
  })
})

describe('NUXT_AUTH_SESSION_CACHE_MAX_AGE', () => {
  it('0 turns the SSR session cache off: every render asks the backend', async () => {
    const user = newUser()
    const backend = new Backend(baseURL)
    await backend.register(user)
    const token = await backend.login(user.email, user.password)
    await backend.reset()
    for (let index = 0; index < 3; index++) {
      expect(await (await fetch(`${baseURL}/profile`, { headers: { cookie: `auth.token=${token}` } })).text()).toContain(user.email)
    }
    expect(await backend.count('GET /api/auth/session')).toBe(3)
  })
})

describe('a base URL set at run time that every request would fail with', () => {
  it('stops the server at start, naming the value, the rule it breaks and where it comes from', async () => {
    const started = onFreePort(port => serveBuilt(fixtureDir, { NUXT_PUBLIC_AUTH_BASE_URL: 'https://api.example.com/auth?v=2' }, { port, readyPath: '/api/_test/counters' }))
    await expect(started).rejects.toThrow('The base URL this server runs with, "https://api.example.com/auth?v=2", has a query or a hash: endpoint paths are joined onto it. It comes from NUXT_PUBLIC_AUTH_BASE_URL')
  })
})

describe('AUTH_ORIGIN (auth.originEnvKey)', () => {
  it('sets the base URL at run time, for SSR and for the browser config, as with the incumbent', async () => {
    const user = newUser()
    const backend = new Backend(originBaseURL)
    await backend.register(user)
    const token = await backend.login(user.email, user.password)
    await backend.reset()
    await primary.reset()
    const html = await (await fetch(`${originBaseURL}/profile`, { headers: { cookie: `auth.token=${token}` } })).text()
    expect(html).toContain(user.email)
    expect(html).toMatch(/baseURL:"http:\/\/127\.0\.0\.1:\d+\/api\/auth"/)
    expect(await backend.count('GET /api/auth/session')).toBe(1)
    expect(await primary.count('GET /api/auth/session')).toBe(0)
    // SPA shells too (the server renders no page there, so no Nuxt plugin could pass it on).
    expect(await (await fetch(`${originBaseURL}/modes/spa`)).text()).toContain(`auth:{baseURL:"${originBaseURL}/api/auth"}`)
  })
})

describe('a base URL where this app serves pages, not the backend', () => {
  it.each([0, 1])('renders once per view, with no verdict, and warns once naming the options (%#)', async (index) => {
    const { name, server, page, cookie } = misdirected[index]!
    const sessionCalls = () => nowhereSessionCalls(server.baseURL)
    const before = await sessionCalls()
    // The session check reaches /api/nowhere/session, which only the page renderer answers. That render must not
    // check the session in turn: each would start the next, and one view would become thousands of renders.
    for (let view = 0; view < 2; view++) {
      const response = await fetch(`${server.baseURL}${page}`, { headers: { cookie }, redirect: 'manual', signal: AbortSignal.timeout(30_000) })
      expect([200, 302], name).toContain(response.status)
    }
    expect(await sessionCalls() - before, name).toBe(2)
    const warnings = (await settledOutput(server)).split('\n').filter(line => line.includes('[nuxt-gatekeeper] A server render asked the backend for /api/nowhere/session'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('NUXT_PUBLIC_AUTH_BASE_URL')
    expect(warnings[0]).toContain('AUTH_ORIGIN')
  })

  it('behind a load balancer, stops at the first instance a render reaches, whichever it is', async () => {
    // Each instance's render check reaches the proxy, which hands it to the other instance: that render must know
    // the first one's mark (one per build) and not check in turn. With a mark per process each took the other's
    // render for a visitor's, and the two passed the check back and forth until it timed out (2 661 requests for
    // these four views, 21 s, before the mark was made per build).
    const { proxy, instances } = fleet
    const sessionCalls = () => nowhereSessionCalls(...instances.map(instance => instance.baseURL))
    const before = await sessionCalls()
    const served = [...proxy.served]
    for (let view = 0; view < 4; view++) {
      const response = await fetch(`${proxy.baseURL}/profile`, { headers: { cookie: ANY_TOKEN }, redirect: 'manual', signal: AbortSignal.timeout(30_000) })
      expect([200, 302]).toContain(response.status)
    }
    // Four views and one session check each, and the proxy spread them over both instances.
    expect(await sessionCalls() - before).toBe(4)
    expect(proxy.served.map((count, index) => count - served[index]!)).toEqual([4, 4])
    // Each instance that answered a render's check says so, once.
    const outputs = await Promise.all(instances.map(instance => settledOutput(instance)))
    const warnings = outputs.map(output => output.split('\n').filter(line => line.includes('[nuxt-gatekeeper] A server render asked the backend for /api/nowhere/session')).length)
    expect(warnings.filter(count => count > 0).length).toBeGreaterThan(0)
    expect(warnings.every(count => count <= 1)).toBe(true)
  })

  it('refuses a guessable NUXT_AUTH_RENDER_MARK: the server does not start, and says which variable and how to fix it', async () => {
    const started = onFreePort(port => serveBuilt(fixtureDir, { NUXT_AUTH_RENDER_MARK: 'short' }, { port, readyPath: '/api/_test/counters' }))
    await expect(started).rejects.toThrow('NUXT_AUTH_RENDER_MARK must be at least 16 characters (got 5). Fix: set the same random value on every instance')
  })

  it('is not fooled by a visitor who sends the header: the server still checks and guards', async () => {
    // The mark's value is random per build and stays on the server: any other value is an ordinary request.
    const localBaseURL = inject('localBaseURL')
    for (const value of ['1', 'x-gatekeeper-render']) {
      // Without a token, and with a forged one (which only the skipped check would refuse).
      for (const headers of [{}, { cookie: 'auth.token=forged' }] as Array<Record<string, string>>) {
        const response = await fetch(`${localBaseURL}/profile`, { headers: { ...headers, 'x-gatekeeper-render': value }, redirect: 'manual' })
        expect(response.status).toBe(302)
        expect(new URL(response.headers.get('location')!, localBaseURL).pathname).toBe('/login')
      }
    }
    const user = newUser()
    await primary.register(user)
    const token = await primary.login(user.email, user.password)
    const html = await (await fetch(`${localBaseURL}/profile`, { headers: { 'cookie': `auth.token=${token}`, 'x-gatekeeper-render': '1' } })).text()
    expect(html).toContain(user.email)
  })

  it('gives a visitor who knew the build\'s mark nothing: a render reached by a render reads no cookies', async () => {
    // The mark is for a render that answers another render's backend request; were it ever known outside (it goes to
    // a full URL on the visitor's host), sending it must get what sending no cookies gets.
    const localBaseURL = inject('localBaseURL')
    const mark = builtRenderMark(fixtureDir)
    const user = newUser()
    await primary.register(user)
    const token = await primary.login(user.email, user.password)
    for (const cookie of ['auth.token=forged', `auth.token=${token}`]) {
      const response = await fetch(`${localBaseURL}/profile`, { headers: { cookie, 'x-gatekeeper-render': mark }, redirect: 'manual' })
      expect(response.status, cookie).toBe(302)
      expect(new URL(response.headers.get('location')!, localBaseURL).pathname).toBe('/login')
    }
    const home = await (await fetch(`${localBaseURL}/`, { headers: { 'cookie': `auth.token=${token}`, 'x-gatekeeper-render': mark } })).text()
    expect(home).not.toContain(user.email)
  })
})
