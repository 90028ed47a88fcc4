import { randomBytes } from 'node:crypto'
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Redis from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Backend, expectTokenPagesWork, newUser, openSession, quietAfterIdle, signInThroughForm, text, useChromium, waitForHydration } from './helpers'
import { startRedisRelay } from './redis'
import { onFreePort, roundRobin, serveBuilt, settledOutput } from './serve'

// Session mode (test/fixtures/sessions, auth.sessions): the backend's tokens stay in Nitro storage, encrypted;
// the browser holds one signed httpOnly cookie. One build, served on memory, on fs, and as two instances on Redis
// behind a round-robin proxy.
const fixtureDir = inject('sessionsFixtureDir')
const sharedFixtureDir = inject('refreshSharedFixtureDir')
const redisUrl = inject('redisUrl')
const SECRET = randomBytes(32).toString('base64')
const ACCESS_TTL = 6
const COOKIE = 'gatekeeper.session'
const REFRESH = 'POST /api/auth/refresh'

type Served = Awaited<ReturnType<typeof serveBuilt>>

function serveSessions(env: Record<string, string>): Promise<Served> {
  return serveBuilt(fixtureDir, { NUXT_AUTH_SESSIONS_SECRET: SECRET, NUXT_ACCESS_TOKEN_TTL: String(ACCESS_TTL), ...env }, { readyPath: '/api/_test/counters' })
}

/** Signs in through the relay route as the browser's strategy does; returns the `Cookie` header value. */
async function signInByApi(baseURL: string, user: { email: string, password: string }): Promise<string> {
  const response = await fetch(`${baseURL}/api/_auth/signin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'origin': baseURL },
    body: JSON.stringify({ credentials: { email: user.email, password: user.password } }),
  })
  expect(response.status, await response.clone().text()).toBe(200)
  const cookies = response.headers.getSetCookie()
  expect(cookies).toHaveLength(1)
  expect(cookies[0]).toMatch(new RegExp(`^${COOKIE}=[\\w-]+\\.[\\w-]+; Max-Age=\\d+; Path=/; HttpOnly; SameSite=Lax$`))
  return cookies[0]!.split(';')[0]!
}

function get(baseURL: string, path: string, cookie: string, init: RequestInit = {}) {
  return fetch(`${baseURL}${path}`, { ...init, headers: { cookie, 'sec-fetch-site': 'same-origin', ...(init.headers as Record<string, string>) } })
}

async function sessionEmail(baseURL: string, cookie: string): Promise<string | null> {
  const response = await get(baseURL, '/api/_auth/session', cookie)
  expect(response.status).toBe(200)
  return (await response.json()).session?.email ?? null
}

async function registered(backend: Backend) {
  const user = newUser()
  await backend.register(user)
  return user
}

/**
 * The one answer for a session storage that failed, when the session loaded or later in the request (a refresh's
 * write, a sign-out's removal): 503, Retry-After, the status message that names the storage, the NETWORK code.
 */
async function expectStorageUnavailable(response: Response, label: string) {
  expect(response.status, label).toBe(503)
  expect(response.headers.get('retry-after'), label).toBe('5')
  const body = await response.json()
  expect(body.statusMessage, label).toBe('SESSION_STORAGE_UNAVAILABLE')
  expect(body.data.authError, label).toMatchObject({ code: 'NETWORK', message: 'The session storage is unavailable' })
}

/** Every file under `dir`, read as text (the fs storage's records). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map(name => join(dir, name)).filter(path => statSync(path).isFile()).map(path => readFileSync(path, 'utf8'))
}

const browser = useChromium()

/** A browser signed in through the login form, on /profile. */
async function signedInBrowser(baseURL: string, user: { email: string, password: string }) {
  const session = await openSession(browser(), baseURL)
  await session.page.goto('/login?redirect=/profile')
  await signInThroughForm(session.page, user)
  await session.page.waitForURL(url => url.pathname === '/profile')
  return session
}

describe.each(['memory', 'fs'] as const)('session mode on %s storage, one instance', (storage) => {
  let server: Served
  let backend: Backend
  const fsBase = mkdtempSync(join(tmpdir(), 'gatekeeper-sessions-'))
  beforeAll(async () => {
    server = await serveSessions({ NUXT_AUTH_SESSIONS_STORAGE: storage, NUXT_AUTH_SESSIONS_FS_BASE: fsBase })
    backend = new Backend(server.baseURL)
  })
  afterAll(() => {
    server?.stop()
    rmSync(fsBase, { recursive: true, force: true })
  })

  it('the browser holds one signed httpOnly cookie and no token: not in document.cookie, the HTML or the payload', async () => {
    const user = await registered(backend)
    const { page, context, assertClean } = await signedInBrowser(server.baseURL, user)
    await expect.poll(() => text(page, 'session-email')).toBe(user.email)
    const cookies = await context.cookies()
    expect(cookies.map(cookie => cookie.name)).toEqual([COOKIE])
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' })
    expect(await page.evaluate(() => document.cookie)).toBe('')
    // The server's token for this session (a test route using getServerToken), and the page as the server sends it.
    const cookie = `${COOKIE}=${cookies[0]!.value}`
    const { token } = await (await get(server.baseURL, '/api/_test/server-token', cookie)).json()
    expect(token).toMatch(/^eyJ/)
    const html = await (await get(server.baseURL, '/profile', cookie)).text()
    expect(html).toContain(user.email)
    expect(html).not.toContain(token)
    expect(html).not.toContain('auth.token')
    // A reload is rendered signed in, and hydrates without a second session check in the browser.
    const sessionChecks = await backend.count('GET /api/_auth/session')
    await page.reload()
    await waitForHydration(page)
    await quietAfterIdle(page)
    expect(await text(page, 'session-email')).toBe(user.email)
    expect(await backend.count('GET /api/_auth/session')).toBe(sessionChecks)
    // The same counter sees this page's own check: a re-check is one more.
    await page.getByTestId('recheck').click()
    await expect.poll(() => backend.count('GET /api/_auth/session')).toBe(sessionChecks + 1)
    await assertClean()
  })

  it('the playground\'s Stats and Tokens pages work with the tokens on the server', async () => {
    const user = await registered(backend)
    const { page, assertClean } = await signedInBrowser(server.baseURL, user)
    await expectTokenPagesWork(page, user, ACCESS_TTL, 'on the server (session mode)')
    expect((await (await fetch(`${server.baseURL}/api/_test/refresh-stats`)).json()).reuseDetections).toBe(0)
    await assertClean()
  })

  it('the app\'s own server middleware sees the session (loaded before any middleware runs)', async () => {
    const user = await registered(backend)
    const cookie = await signInByApi(server.baseURL, user)
    expect(await (await get(server.baseURL, '/api/_test/middleware-session', cookie)).json()).toEqual({ middleware: user.email, route: user.email })
    expect(await (await get(server.baseURL, '/api/_test/middleware-session', '')).json()).toEqual({ middleware: null, route: null })
  })

  it('behind TLS (X-Forwarded-Proto: https) the __Host- cookie, which a page\'s in-process fetch passes on without the https, still finds this device', async () => {
    const user = await registered(backend)
    const secure = { 'x-forwarded-proto': 'https' }
    const signIn = await fetch(`${server.baseURL}/api/_auth/signin`, {
      method: 'POST',
      headers: { ...secure, 'content-type': 'application/json', 'origin': server.baseURL.replace(/^http:/, 'https:') },
      body: JSON.stringify({ credentials: { email: user.email, password: user.password } }),
    })
    expect(signIn.status, await signIn.clone().text()).toBe(200)
    const [line] = signIn.headers.getSetCookie()
    expect(line).toMatch(new RegExp(`^__Host-${COOKIE}=[\\w-]+\\.[\\w-]+; .*Secure`))
    const cookie = line!.split(';')[0]!
    // The Active sessions page lists the devices through useAuthFetch during SSR: a request inside the server, over http.
    const html = await (await fetch(`${server.baseURL}/sessions`, { headers: { ...secure, cookie } })).text()
    expect(html).toContain('data-testid="device-current"')
    expect(html).not.toContain('data-testid="revoke-device"')
  })

  it('twenty concurrent requests after the access token expired make one refresh', async () => {
    const user = await registered(backend)
    const cookie = await signInByApi(server.baseURL, user)
    await new Promise(resolve => setTimeout(resolve, ACCESS_TTL * 1000))
    const before = await backend.count(REFRESH)
    const responses = await Promise.all(Array.from({ length: 20 }, () => get(server.baseURL, '/api/_test/whoami', cookie)))
    expect(responses.map(response => response.status)).toEqual(Array.from({ length: 20 }, () => 200))
    // The session cookie never changes: only the stored tokens rotate.
    expect(responses.every(response => response.headers.getSetCookie().length === 0)).toBe(true)
    expect(await backend.count(REFRESH) - before).toBe(1)
    expect((await (await fetch(`${server.baseURL}/api/_test/refresh-stats`)).json()).reuseDetections).toBe(0)
    expect(await sessionEmail(server.baseURL, cookie)).toBe(user.email)
  })

  it('a tampered or unknown cookie is refused and removed; sign-out ends the stored session and tells the backend', async () => {
    const user = await registered(backend)
    const cookie = await signInByApi(server.baseURL, user)
    const [name, value] = cookie.split('=') as [string, string]
    const [id, signature] = value.split('.') as [string, string]
    const flipped = (text: string) => text.slice(0, -1) + (text.endsWith('A') ? 'B' : 'A')
    for (const forged of [`${name}=${flipped(id)}.${signature}`, `${name}=${id}.${flipped(signature)}`, `${name}=${id}`, `${name}=garbage`]) {
      const response = await get(server.baseURL, '/api/_auth/session', forged)
      expect((await response.json()).session).toBeNull()
      expect(response.headers.getSetCookie().join()).toContain(`${COOKIE}=; Max-Age=0`)
    }
    expect(await sessionEmail(server.baseURL, cookie)).toBe(user.email)

    const logouts = await backend.count('POST /api/auth/logout')
    const signOut = await fetch(`${server.baseURL}/api/_auth/signout`, { method: 'POST', headers: { 'cookie': cookie, 'content-type': 'application/json', 'origin': server.baseURL }, body: '{}' })
    expect(await signOut.json()).toEqual({ ok: true, backendError: null })
    expect(signOut.headers.getSetCookie().join()).toContain(`${COOKIE}=; Max-Age=0`)
    expect(await backend.count('POST /api/auth/logout') - logouts).toBe(1)
    // The old cookie, kept by someone, opens nothing any more.
    expect(await sessionEmail(server.baseURL, cookie)).toBeNull()
    expect((await get(server.baseURL, '/api/_test/whoami', cookie)).status).toBe(401)
  })

  it('lists a user\'s devices and signs out the others; a new sign-in gets a new session id', async () => {
    const user = await registered(backend)
    const laptop = await signInByApi(server.baseURL, user)
    const phone = await signInByApi(server.baseURL, user)
    expect(phone).not.toBe(laptop)
    const listed = await (await get(server.baseURL, '/api/_test/sessions', laptop, { headers: { 'user-agent': 'Laptop/1' } })).json()
    expect(listed.sessions).toHaveLength(2)
    expect(listed.sessions.filter((device: { current: boolean }) => device.current)).toHaveLength(1)
    // Ids are storage handles, not cookie values.
    expect(listed.sessions.every((device: { id: string }) => !laptop.includes(device.id) && !phone.includes(device.id))).toBe(true)
    const revoked = await (await get(server.baseURL, '/api/_test/sessions?scope=others', laptop, { method: 'DELETE' })).json()
    expect(revoked).toEqual({ revoked: 1 })
    expect(await sessionEmail(server.baseURL, phone)).toBeNull()
    expect(await sessionEmail(server.baseURL, laptop)).toBe(user.email)
    expect((await (await get(server.baseURL, '/api/_test/sessions', laptop)).json()).sessions).toHaveLength(1)
  })

  if (storage === 'memory') {
    it('a session revoked after one of its requests loaded it: that request\'s refresh ends signed out and leaves the cookie alone (it may be a newer session\'s by then)', async () => {
      const user = await registered(backend)
      const old = await signInByApi(server.baseURL, user)
      await new Promise(resolve => setTimeout(resolve, ACCESS_TTL * 1000 + 500))
      // Signed in now: its token needs no refresh.
      const other = await signInByApi(server.baseURL, user)
      // The request loads its session when it arrives, then waits (600 ms, in the app's middleware) before its route
      // (guarded by a route rule) refreshes the expired token; the other device ends the session meanwhile.
      await backend.fault('/api/account/ping', 'slow')
      const pings = await backend.count('GET /api/account/ping')
      try {
        const refreshing = get(server.baseURL, '/api/account/ping', old)
        // Counted in the app's middleware, which is where it waits: its session has been loaded by then.
        await expect.poll(() => backend.count('GET /api/account/ping'), { timeout: 5_000, interval: 20 }).toBe(pings + 1)
        expect(await (await get(server.baseURL, '/api/_test/sessions?scope=others', other, { method: 'DELETE' })).json()).toEqual({ revoked: 1 })
        const answer = await refreshing
        expect(answer.status).toBe(401)
        expect(answer.headers.getSetCookie().filter(line => line.startsWith(`${COOKIE}=`))).toEqual([])
      }
      finally {
        await backend.fault('/api/account/ping', 'none')
      }
      expect(await sessionEmail(server.baseURL, old)).toBeNull()
      expect(await sessionEmail(server.baseURL, other)).toBe(user.email)
    })
  }

  if (storage === 'fs') {
    it('the stored records hold no token in clear; another secret opens none of them; a rotated secret still does', async () => {
      const user = await registered(backend)
      const cookie = await signInByApi(server.baseURL, user)
      const { token } = await (await get(server.baseURL, '/api/_test/server-token', cookie)).json()
      const records = filesUnder(fsBase).join('\n')
      expect(records).toContain('"sealed"')
      expect(records).not.toContain(token)
      expect(records).not.toMatch(/eyJ[\w-]+\.eyJ/)
      expect(records).not.toContain(user.email)

      // The same storage, served with another secret: nobody's session opens. With the new secret first and the
      // old one after it (rotation), the old sessions still do.
      const other = randomBytes(32).toString('base64')
      for (const [secret, email] of [[other, null], [`${other},${SECRET}`, user.email]] as const) {
        const twin = await serveSessions({ NUXT_AUTH_SESSIONS_STORAGE: 'fs', NUXT_AUTH_SESSIONS_FS_BASE: fsBase, NUXT_AUTH_SESSIONS_SECRET: secret, NUXT_PUBLIC_AUTH_BASE_URL: `${server.baseURL}/api/auth` })
        try {
          const response = await get(twin.baseURL, '/api/_auth/session', cookie)
          expect((await response.json()).session?.email ?? null).toBe(email)
        }
        finally {
          twin.stop()
        }
      }
      expect(await sessionEmail(server.baseURL, cookie)).toBe(user.email)
    })
  }
})

describe('a storage named wrong at run time', () => {
  it('stops the server at start, naming the variable, what it may be and the app\'s mounts', async () => {
    for (const typo of ['Redis', 'reddis']) {
      const started = serveSessions({ NUXT_AUTH_SESSIONS_STORAGE: typo })
      await expect(started, typo).rejects.toThrow(`auth.sessions.storage (NUXT_AUTH_SESSIONS_STORAGE) is "${typo}", which is neither 'redis', 'memory' nor 'fs' nor a storage mount of this app`)
    }
    // A mount of the app's own (nitro.storage in the fixture) is a storage to use.
    const server = await serveSessions({ NUXT_AUTH_SESSIONS_STORAGE: 'users' })
    server.stop()
  })

  it('takes NUXT_AUTH_SESSIONS_SAME_SITE as cookies write it (None is none, with Secure), and stops the server at start on another value', async () => {
    await expect(serveSessions({ NUXT_AUTH_SESSIONS_SAME_SITE: 'off' })).rejects.toThrow('NUXT_AUTH_SESSIONS_SAME_SITE must be lax, strict or none, got "off"')
    const server = await serveSessions({ NUXT_AUTH_SESSIONS_SAME_SITE: 'None' })
    try {
      const user = await registered(new Backend(server.baseURL))
      const response = await fetch(`${server.baseURL}/api/_auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json', 'origin': server.baseURL }, body: JSON.stringify({ credentials: { email: user.email, password: user.password } }) })
      expect(response.status).toBe(200)
      // Before: the cookie said SameSite=None without Secure (the check compared with 'none'), and browsers drop it.
      const written = response.headers.getSetCookie().find(line => line.includes(`${COOKIE}=`))
      expect(written).toMatch(/; SameSite=None/)
      expect(written).toMatch(/; Secure/)
    }
    finally {
      server.stop()
    }
  })

  it('renders public pages when the session storage cannot start (its driver missing from the build), and answers 503 with a code where a session is needed', async () => {
    // The build as deployed without ioredis (it was not installed when the app was built), started with Redis chosen.
    const copy = mkdtempSync(join(tmpdir(), 'gatekeeper-no-ioredis-'))
    cpSync(join(fixtureDir, '.output'), join(copy, '.output'), { recursive: true })
    for (const name of ['ioredis', '@ioredis']) rmSync(join(copy, '.output/server/node_modules', name), { recursive: true, force: true })
    const server = await serveBuilt(copy, { NUXT_AUTH_SESSIONS_SECRET: SECRET, NUXT_AUTH_SESSIONS_STORAGE: 'redis', NUXT_AUTH_SESSIONS_REDIS_URL: redisUrl }, { readyPath: '/api/_test/counters' })
    try {
      // Before: every request answered 500 without a code, the sign-in page too.
      const page = await fetch(`${server.baseURL}/login`)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('data-testid="submit"')
      expect(await (await get(server.baseURL, '/api/_auth/session', '')).json()).toEqual({ session: null })
      // A sign-in cannot store its session, and a browser that has one cannot be told who it is: no verdict either way.
      const backend = new Backend(server.baseURL)
      const user = await registered(backend)
      const signIns = await backend.count('POST /api/auth/login')
      await expectStorageUnavailable(await fetch(`${server.baseURL}/api/_auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json', 'origin': server.baseURL }, body: JSON.stringify({ credentials: { email: user.email, password: user.password } }) }), 'sign-in')
      // Refused before the backend was asked: tokens it issued could be stored nowhere.
      expect(await backend.count('POST /api/auth/login')).toBe(signIns)
      await expectStorageUnavailable(await get(server.baseURL, '/api/_auth/session', `${COOKIE}=an-id.its-signature`), 'session check')
      expect(await settledOutput(server)).toContain('[nuxt-gatekeeper] auth.sessions could not start: Cannot find package \'ioredis\'')
    }
    finally {
      server.stop()
      rmSync(copy, { recursive: true, force: true })
    }
  })

  it('stops the server at start on a Redis address ioredis cannot use, naming the variable (not at the first signed-in request)', async () => {
    const started = serveSessions({ NUXT_AUTH_SESSIONS_STORAGE: 'redis', NUXT_AUTH_SESSIONS_REDIS_URL: 'http://cache.internal:6379' })
    await expect(started).rejects.toThrow('NUXT_AUTH_SESSIONS_REDIS_URL has the scheme http: ("http://cache.internal:6379"). Fix: a Redis URL, redis://host:6379 (rediss:// for TLS), or a socket path')
  })
})

describe('session expiry', () => {
  let server: Served
  let backend: Backend
  beforeAll(async () => {
    // Seconds instead of the defaults' minutes and hours (run-time config skips the build's minimum).
    server = await serveSessions({ NUXT_AUTH_SESSIONS_IDLE_TIMEOUT: '3', NUXT_AUTH_SESSIONS_MAX_AGE: '7', NUXT_ACCESS_TOKEN_TTL: '60' })
    backend = new Backend(server.baseURL)
  })
  afterAll(() => server?.stop())

  it('ends a session after the idle timeout, and an active one after its absolute lifetime', async () => {
    const user = await registered(backend)
    const idle = await signInByApi(server.baseURL, user)
    const active = await signInByApi(server.baseURL, user)
    const started = Date.now()
    // Active: a request every second keeps it past the idle timeout, but not past the lifetime.
    while (Date.now() - started < 5000) {
      expect(await sessionEmail(server.baseURL, active)).toBe(user.email)
      await new Promise(resolve => setTimeout(resolve, 1000))
    }
    expect(await sessionEmail(server.baseURL, idle)).toBeNull()
    await new Promise(resolve => setTimeout(resolve, Math.max(0, started + 7500 - Date.now())))
    expect(await sessionEmail(server.baseURL, active)).toBeNull()
  })
})

/**
 * Two instances of one build behind the round-robin proxy, with one backend: the first instance's own /api/auth
 * (NUXT_PUBLIC_AUTH_BASE_URL), so both spend the same refresh tokens.
 */
async function twoInstances(dir: string, env: Record<string, string>) {
  // The first instance is the backend of both, and (auth.forward, where the build has it) their upstream API.
  const sharedOn = (firstPort: number) => ({
    NUXT_ACCESS_TOKEN_TTL: String(ACCESS_TTL),
    ...env,
    NUXT_PUBLIC_AUTH_BASE_URL: `http://127.0.0.1:${firstPort}/api/auth`,
    NUXT_AUTH_FORWARD: JSON.stringify({ '/api/upstream': `http://127.0.0.1:${firstPort}/api/_test/upstream` }),
  })
  const first = await onFreePort(port => serveBuilt(dir, sharedOn(port), { port, readyPath: '/api/_test/counters' }))
  const shared = sharedOn(first.port)
  const second = await serveBuilt(dir, shared, { readyPath: '/api/_test/counters' })
  const proxy = await roundRobin([first.baseURL, second.baseURL])
  return {
    first,
    second,
    proxy,
    backend: new Backend(first.baseURL),
    async stop() {
      first.stop()
      second.stop()
      await proxy.close()
    },
  }
}

describe('two instances sharing Redis behind a round-robin proxy', () => {
  let first: Served
  let second: Served
  let proxy: Awaited<ReturnType<typeof roundRobin>>
  let relay: Awaited<ReturnType<typeof startRedisRelay>>
  let backend: Backend
  let stop: () => Promise<void>
  const redisBase = `gatekeeper-test-${randomBytes(4).toString('hex')}`
  beforeAll(async () => {
    relay = await startRedisRelay(redisUrl)
    ;({ first, second, proxy, backend, stop } = await twoInstances(fixtureDir, { NUXT_AUTH_SESSIONS_SECRET: SECRET, NUXT_AUTH_SESSIONS_STORAGE: 'redis', NUXT_AUTH_SESSIONS_REDIS_URL: relay.url, NUXT_AUTH_SESSIONS_REDIS_BASE: redisBase }))
  })
  afterAll(async () => {
    await stop?.()
    await relay?.close()
  })

  it('signed in through one instance, the session holds on the other, page after page', async () => {
    const user = await registered(backend)
    const { page, assertClean } = await signedInBrowser(proxy.baseURL, user)
    const before = [...proxy.served]
    for (let round = 0; round < 4; round++) {
      await page.reload()
      await waitForHydration(page)
      expect(await text(page, 'session-email')).toBe(user.email)
    }
    // Both instances rendered some of those pages.
    expect(proxy.served.every((count, index) => count > before[index]!)).toBe(true)
    await assertClean()
  })

  it('twenty concurrent requests with an expired access token, spread over both instances, make one refresh', async () => {
    const user = await registered(backend)
    const cookie = await signInByApi(proxy.baseURL, user)
    await new Promise(resolve => setTimeout(resolve, ACCESS_TTL * 1000))
    const before = await backend.count(REFRESH)
    const served = [...proxy.served]
    const responses = await Promise.all(Array.from({ length: 20 }, () => get(proxy.baseURL, '/api/_test/whoami', cookie)))
    expect(responses.map(response => response.status)).toEqual(Array.from({ length: 20 }, () => 200))
    expect(proxy.served.map((count, index) => count - served[index]!)).toEqual([10, 10])
    expect(await backend.count(REFRESH) - before).toBe(1)
    expect((await (await fetch(`${first.baseURL}/api/_test/refresh-stats`)).json()).reuseDetections).toBe(0)
  })

  it('the stored records in Redis hold no token in clear', async () => {
    const user = await registered(backend)
    const cookie = await signInByApi(proxy.baseURL, user)
    const { token } = await (await get(first.baseURL, '/api/_test/server-token', cookie)).json()
    const client = new Redis(redisUrl)
    try {
      const keys = await client.keys(`${redisBase}:*`)
      expect(keys.length).toBeGreaterThan(0)
      const values = await Promise.all(keys.filter(key => !key.includes(':lock:')).map(key => client.get(key)))
      expect(values.join('\n')).toContain('"sealed"')
      expect(values.join('\n')).not.toContain(token)
      // Redis expires them itself (idle timeout): every record has a TTL.
      expect((await Promise.all(keys.map(key => client.ttl(key)))).every(ttl => ttl > 0)).toBe(true)
    }
    finally {
      client.disconnect()
    }
  })

  it('a session revoked on one instance is refused on the other at once', async () => {
    const user = await registered(backend)
    const cookie = await signInByApi(proxy.baseURL, user)
    expect((await get(second.baseURL, '/api/_test/whoami', cookie)).status).toBe(200)
    expect(await (await get(first.baseURL, '/api/_test/sessions?scope=current', cookie, { method: 'DELETE' })).json()).toEqual({ revoked: 1 })
    expect((await get(second.baseURL, '/api/_test/whoami', cookie)).status).toBe(401)
    expect(await sessionEmail(second.baseURL, cookie)).toBeNull()
  })

  it('each instance reads a session from Redis once, not once per request, while Redis reports its changes', async () => {
    const user = await registered(backend)
    const cookie = await signInByApi(proxy.baseURL, user)
    const refreshes = await backend.count(REFRESH)
    const monitored = new Redis(redisUrl)
    const monitor = await monitored.monitor()
    const reads: string[] = []
    const marker = `${redisBase}:marker:${randomBytes(4).toString('hex')}`
    let markerSeen = false
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args[1] === marker) markerSeen = true
      else if (args[0]?.toLowerCase() === 'get' && args[1]?.startsWith(`${redisBase}:s:`)) reads.push(args[1])
    })
    const client = new Redis(redisUrl)
    try {
      for (let round = 0; round < 3; round++) {
        for (const baseURL of [first.baseURL, second.baseURL]) expect((await get(baseURL, '/api/_test/whoami', cookie)).status).toBe(200)
      }
      // MONITOR reports in order: once it shows this, it has shown every read the requests made.
      await client.get(marker)
      await expect.poll(() => markerSeen, { timeout: 5_000, interval: 20 }).toBe(true)
      // (A refresh, due 4 s after the sign-in, would have changed the session: none came in these six requests.)
      expect(await backend.count(REFRESH)).toBe(refreshes)
      expect(reads).toHaveLength(2)
      expect(new Set(reads).size).toBe(1)
    }
    finally {
      monitor.disconnect()
      monitored.disconnect()
      client.disconnect()
    }
  })

  it('Redis going away during a sign-out: a 503, the cookie and the stored session kept (no ok for a session that still works); the next sign-out ends it', async () => {
    const user = await registered(backend)
    const cookie = await signInByApi(proxy.baseURL, user)
    // The backend's sign-out takes its time (a timeout, after requestTimeout), so the storage goes away mid-request.
    const instance = new Backend(first.baseURL)
    await instance.fault('/api/auth/logout', 'timeout')
    const logouts = await instance.count('POST /api/auth/logout')
    try {
      const signingOut = fetch(`${first.baseURL}/api/_auth/signout`, { method: 'POST', headers: { 'cookie': cookie, 'content-type': 'application/json', 'origin': first.baseURL }, body: '{}' })
      // The sign-out has reached the backend (its session was loaded): the storage goes away before the removal.
      await expect.poll(() => instance.count('POST /api/auth/logout'), { timeout: 5_000, interval: 20 }).toBe(logouts + 1)
      relay.cut()
      const answer = await signingOut
      relay.restore()
      await expectStorageUnavailable(answer, 'sign-out')
      expect(answer.headers.getSetCookie()).toEqual([])
    }
    finally {
      relay.restore()
      await instance.fault('/api/auth/logout', 'none')
    }
    // The session is still there (the cookie was never told to go): signing out again, with the storage back, ends it.
    await expect.poll(async () => (await get(first.baseURL, '/api/_test/whoami', cookie)).status, { timeout: 15_000, interval: 250 }).toBe(200)
    const again = await fetch(`${first.baseURL}/api/_auth/signout`, { method: 'POST', headers: { 'cookie': cookie, 'content-type': 'application/json', 'origin': first.baseURL }, body: '{}' })
    expect(again.status).toBe(200)
    expect(again.headers.getSetCookie().some(line => line.includes('Max-Age=0'))).toBe(true)
    for (const baseURL of [first.baseURL, second.baseURL]) expect((await get(baseURL, '/api/_test/whoami', cookie)).status).toBe(401)
  })

  it('Redis going away between the backend\'s rotation and its write: a 503, then the instance stores the rotated tokens instead of spending the old refresh token again', async () => {
    const user = await registered(backend)
    const cookie = await signInByApi(first.baseURL, user)
    const reuses = async () => (await (await fetch(`${first.baseURL}/api/_test/refresh-stats`)).json()).reuseDetections as number
    const before = await reuses()
    await new Promise(resolve => setTimeout(resolve, ACCESS_TTL * 1000 + 500))
    // The backend's refresh answers late (600 ms): the storage goes away after it rotated, before the write.
    await backend.fault('/api/auth/refresh', 'slow')
    const refreshes = await backend.count(REFRESH)
    try {
      const during = get(first.baseURL, '/api/_test/whoami', cookie)
      // The refresh has reached the backend, which rotates and answers in 600 ms: the storage goes away meanwhile.
      await expect.poll(() => backend.count(REFRESH), { timeout: 5_000, interval: 20 }).toBe(refreshes + 1)
      relay.cut()
      await expectStorageUnavailable(await during, 'refresh')
    }
    finally {
      relay.restore()
      await backend.fault('/api/auth/refresh', 'none')
    }
    // Once the storage is back (and the lock the failed request held has expired), the user is still signed in…
    await expect.poll(async () => (await get(first.baseURL, '/api/_test/whoami', cookie)).status, { timeout: 20_000, interval: 250 }).toBe(200)
    // …with no refresh token presented twice, and on every instance.
    expect(await reuses()).toBe(before)
    expect((await get(second.baseURL, '/api/_test/whoami', cookie)).status).toBe(200)
  })

  it('auth.forward: a session the refresh ends while Redis goes away is a 503 with none of the upstream\'s answer (its headers included); the next request ends it and passes the answer on', async () => {
    const user = await registered(backend)
    const cookie = await signInByApi(first.baseURL, user)
    // The backend ends this sign-in behind the session's back: the upstream refuses the access token (401), and the
    // refresh that follows is refused too (a verdict), so the request ends the session: a removal from storage.
    const { token } = await (await get(first.baseURL, '/api/_test/server-token', cookie)).json()
    expect((await fetch(`${first.baseURL}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status).toBe(200)
    // The test upstream marks every answer of its own (x-upstream: yes): none of it may reach the 503.
    const path = '/api/upstream/orders'
    const refreshes = await backend.count(REFRESH)
    await backend.fault('/api/auth/refresh', 'slow')
    try {
      const forwarded = get(first.baseURL, path, cookie)
      // The refresh has reached the backend, which answers in 600 ms: the storage goes away before the removal.
      await expect.poll(() => backend.count(REFRESH), { timeout: 5_000, interval: 20 }).toBe(refreshes + 1)
      relay.cut()
      const answer = await forwarded
      relay.restore()
      expect(answer.headers.get('x-upstream')).toBeNull()
      expect(answer.headers.getSetCookie()).toEqual([])
      await expectStorageUnavailable(answer, 'forward')
    }
    finally {
      relay.restore()
      await backend.fault('/api/auth/refresh', 'none')
    }
    // The session outlived the failed removal; with the storage back, the next request's refused refresh ends it
    // (its cookie is kept: it opens nothing, and only a sign-out deletes it), and the upstream's 401 passes through.
    await expect.poll(async () => {
      const answer = await get(first.baseURL, path, cookie)
      return { status: answer.status, upstream: answer.headers.get('x-upstream'), cookieDeleted: answer.headers.getSetCookie().some(line => line.startsWith(`${COOKIE}=;`) && line.includes('Max-Age=0')) }
    }, { timeout: 20_000, interval: 250 }).toEqual({ status: 401, upstream: 'yes', cookieDeleted: false })
    for (const baseURL of [first.baseURL, second.baseURL]) expect((await get(baseURL, '/api/_test/whoami', cookie)).status).toBe(401)
  })

  it('Redis away: 503s naming no user, nobody signed out, the cookie kept; service resumes by itself', async () => {
    const user = await registered(backend)
    const cookie = await signInByApi(proxy.baseURL, user)
    relay.cut()
    try {
      for (const baseURL of [first.baseURL, second.baseURL]) {
        for (const path of ['/api/_auth/session', '/api/_test/whoami', '/profile']) {
          const response = await get(baseURL, path, cookie)
          if (path.startsWith('/api/')) await expectStorageUnavailable(response, `${baseURL}${path}`)
          expect(response.status, `${baseURL}${path}`).toBe(503)
          expect(response.headers.get('retry-after'), `${baseURL}${path}`).toBe('5')
          expect(response.headers.getSetCookie(), `${baseURL}${path}`).toEqual([])
        }
      }
      // Visitors without a session cookie are not affected, but a sign-in cannot store its session.
      expect((await fetch(`${second.baseURL}/`)).status).toBe(200)
      const signingIn = await fetch(`${second.baseURL}/api/_auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json', 'origin': second.baseURL }, body: JSON.stringify({ credentials: { email: user.email, password: user.password } }) })
      await expectStorageUnavailable(signingIn, 'sign-in')
      expect(signingIn.headers.getSetCookie()).toEqual([])
      // An app route that ends the request's own session is told the storage is away, not that there was none.
      const revoking = await get(first.baseURL, '/api/_test/revoke-current', cookie, { method: 'POST' })
      await expectStorageUnavailable(revoking, 'revokeSession')
      expect(revoking.headers.getSetCookie()).toEqual([])
    }
    finally {
      relay.restore()
    }
    await expect.poll(async () => (await get(second.baseURL, '/api/_test/whoami', cookie)).status, { timeout: 15_000, interval: 250 }).toBe(200)
    await expect.poll(async () => (await get(first.baseURL, '/api/_test/whoami', cookie)).status, { timeout: 15_000, interval: 250 }).toBe(200)
    expect(await sessionEmail(proxy.baseURL, cookie)).toBe(user.email)
  })
})

describe('token mode (cookies) on two instances with auth.sharedState on Redis', () => {
  let first: Served
  let proxy: Awaited<ReturnType<typeof roundRobin>>
  let backend: Backend
  let stop: () => Promise<void>
  beforeAll(async () => {
    ;({ first, proxy, backend, stop } = await twoInstances(sharedFixtureDir, {
      NUXT_AUTH_SHARED_STATE_SECRET: SECRET,
      NUXT_AUTH_SHARED_STATE_REDIS_URL: redisUrl,
      NUXT_AUTH_SHARED_STATE_REDIS_BASE: `gatekeeper-shared-${randomBytes(4).toString('hex')}`,
    }))
  })
  afterAll(async () => await stop?.())

  async function tokenCookies() {
    const user = await registered(backend)
    const response = await fetch(`${first.baseURL}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: user.email, password: user.password }) })
    const { token, refreshToken } = await response.json()
    return { user, cookie: `auth.token=${token}; auth.refresh-token=${refreshToken}` }
  }

  it('twenty concurrent requests with an expired access cookie, spread over both instances, make one refresh', async () => {
    const { user, cookie } = await tokenCookies()
    await new Promise(resolve => setTimeout(resolve, ACCESS_TTL * 1000 + 200))
    const before = await backend.count(REFRESH)
    const responses = await Promise.all(Array.from({ length: 20 }, () => get(proxy.baseURL, '/api/_test/whoami', cookie)))
    expect(responses.map(response => response.status)).toEqual(Array.from({ length: 20 }, () => 200))
    expect(await Promise.all(responses.map(async response => (await response.json()).email))).toEqual(Array.from({ length: 20 }, () => user.email))
    expect(await backend.count(REFRESH) - before).toBe(1)
    expect((await (await fetch(`${first.baseURL}/api/_test/refresh-stats`)).json()).reuseDetections).toBe(0)
    // Every answer carries the successor pair, the same one: each a value for both cookies, and one pair across all.
    const pairs = responses.map(response => response.headers.getSetCookie().filter(line => /^auth\.(?:token|refresh-token)=[^;]/.test(line)).map(line => line.split(';')[0]).sort().join('; '))
    for (const pair of pairs) expect(pair).toMatch(/^auth\.refresh-token=[^;]+; auth\.token=[^;]+$/)
    expect(new Set(pairs).size).toBe(1)
  })

  it('one session lookup per token for the whole fleet', async () => {
    const { cookie } = await tokenCookies()
    const before = await backend.count('GET /api/auth/session')
    for (let round = 0; round < 6; round++) expect((await get(proxy.baseURL, '/api/_test/whoami', cookie)).status).toBe(200)
    expect(await backend.count('GET /api/auth/session') - before).toBe(1)
  })
})
