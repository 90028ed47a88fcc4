// Serves a built variant on 127.0.0.1 and talks to its backend (the bench routes under /api/_bench).
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { SignJWT, decodeJwt } from 'jose'
import { BENCH_PASSWORD, BENCH_SECRET, BENCH_USERS } from '../fixtures.mjs'

/** Every server process started and not yet exited, starting ones included: a run stopped by a signal stops them. */
const running = new Set()

/** Stops every bench server this process started that is still running (or still starting). */
export function stopEveryServer() {
  for (const child of running) child.kill('SIGTERM')
}

async function freePort() {
  return await new Promise((resolve, reject) => {
    const probe = createServer()
    probe.on('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

/**
 * Serves `variant`'s build; `nodeArgs` go to node before the entry (the profiler passes `--cpu-prof`), `ipc` opens
 * a message channel to it (the allocation probe's). `command` runs node through another program (valgrind, whose
 * last argument is node): such a server starts slowly, hence `startTimeoutMs`.
 */
export async function startServer(variant, { nodeArgs = [], ipc = false, command = [process.execPath], startTimeoutMs = 20_000, port: givenPort = 0 } = {}) {
  // (`port`: for the runner's own test. Otherwise a free one; freed before the child binds it, so another process
  // may take it meanwhile: hence the check below that the server answering is this child.)
  const port = givenPort || await freePort()
  const url = `http://127.0.0.1:${port}`
  const child = spawn(command[0], [...command.slice(1), ...nodeArgs, join(variant.dir, '.output', 'server', 'index.mjs')], {
    env: { ...process.env, ...variant.env, HOST: '127.0.0.1', PORT: String(port), NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'pipe', ...(ipc ? ['ipc'] : [])],
  })
  running.add(child)
  child.once('exit', () => running.delete(child))
  let stderr = ''
  child.stderr.on('data', (chunk) => {
    stderr += chunk
  })
  for (let attempt = 0; attempt < startTimeoutMs / 100; attempt++) {
    if (await fetch(`${url}/`).then(response => response.ok, () => false)) {
      // Whoever answers must be this child (taskset and valgrind run node in the process they were started as):
      // a child that lost the port to another process would have that process measured in its name.
      const pid = await fetch(`${url}/api/_bench/state`).then(response => response.json()).then(state => state.pid, () => undefined)
      if (pid === child.pid && child.exitCode === null) return new BenchServer(variant, url, child, () => stderr)
      child.kill()
      throw new Error(`${variant.name}: another process answers on ${url} (pid ${pid ?? 'not given: a build older than the runner? run without --skip-build'}, not the server started, ${child.pid}); run again${child.exitCode === null ? '' : `\n${stderr}`}`)
    }
    if (child.exitCode !== null) break
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  child.kill()
  throw new Error(`${variant.name} did not start on ${url}:\n${stderr}`)
}

let nextUser = 0

class BenchServer {
  constructor(variant, url, child, stderr) {
    this.variant = variant
    this.url = url
    this.child = child
    this.stderr = stderr
  }

  async control(body) {
    const response = await fetch(`${this.url}/api/_bench/control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    if (!response.ok) throw new Error(`${this.variant.name}: control ${JSON.stringify(body)} answered ${response.status}`)
  }

  /** `{ counters: { 'METHOD /path': n }, reuseDetections }` since the last reset. */
  async state() {
    return await (await fetch(`${this.url}/api/_bench/state`)).json()
  }

  /** A fresh user each time, so no scenario sees another's session. */
  nextUser() {
    return BENCH_USERS[nextUser++ % BENCH_USERS.length]
  }

  async signIn(user = this.nextUser()) {
    const response = await fetch(`${this.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: user.username, password: BENCH_PASSWORD }) })
    if (!response.ok) throw new Error(`${this.variant.name}: sign-in answered ${response.status}`)
    return { user, ...(await response.json()) }
  }

  /** Session mode: signs in through the module's route and returns the session cookie (`name=value`). */
  async sessionCookie(user = this.nextUser()) {
    const response = await fetch(`${this.url}/api/_auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json', 'origin': this.url }, body: JSON.stringify({ credentials: { username: user.username, password: BENCH_PASSWORD } }) })
    if (!response.ok) throw new Error(`${this.variant.name}: session sign-in answered ${response.status}`)
    return { user, cookie: response.headers.getSetCookie()[0].split(';')[0] }
  }

  /**
   * Runs `views` and fails if the server wrote to stderr meanwhile: a logged error means the views were not the
   * visits they claim to be, and a measurement of them measures the error path (and, for the heap, the log).
   */
  async quietly(views) {
    const mark = this.stderr().length
    const result = await views()
    const logged = this.stderr().slice(mark)
    if (logged) throw new Error(`${this.variant.name}: the server logged while measured:\n${logged.split('\n').slice(0, 3).join('\n')}`)
    return result
  }

  stop() {
    this.child.kill('SIGTERM')
  }

  /** SIGTERM, then the exit (Nitro shuts down on it, and `--cpu-prof` writes its profile on exit). */
  async stopAndWait() {
    const exited = new Promise(resolve => this.child.once('exit', resolve))
    this.child.kill('SIGTERM')
    await exited
  }
}

/**
 * The variant with nuxt-gatekeeper's session cache kept for an hour (the incumbent has none): for the per-view counts
 * (instructions, allocation) of one visitor's views. With the default 10 s, how many expiries (each a full backend
 * session call) fell inside a count depended on how fast the views ran, under valgrind some per hundred views; a
 * loaded server meets one per token every 10 s, thousands of views apart. The counts are of the cached view.
 */
export const withSteadySessionCache = variant => ({ ...variant, env: { ...variant.env, NUXT_AUTH_SESSION_CACHE_MAX_AGE: '3600' } })

/** Whether a page's HTML shows this user as the signed-in one (the protected view's `data-testid="user"` element). */
export const rendersUser = (html, user) => html.includes(`>${user.name}<`)

/** Answers of an autocannon run that were not 200 (other statuses, errors, timeouts). */
export const failures = result => result.non2xx + result.errors + result.timeouts

/**
 * `/a` with the visitor's cookie answers 200 with their name (without auth, 200): the views a count then repeats are
 * the signed-in render it claims to measure, not a redirect or a page that lost its session.
 */
export async function expectSignedInView(server, user, cookie) {
  const answer = await fetch(`${server.url}/a`, { headers: { cookie }, redirect: 'manual' })
  const html = await answer.text()
  if (answer.status !== 200 || (user && !rendersUser(html, user))) throw new Error(`${server.variant.name}: /a answered ${answer.status}${user ? ` without ${user.name}` : ''}`)
}

/** A signed-in visitor's cookie: the token cookies (the access token's alone for `accessOnly`), or in session mode the session cookie. */
export async function visitorCookie(server) {
  if (server.variant.sessions) return await server.sessionCookie()
  const tokens = await server.signIn()
  return { user: tokens.user, cookie: server.variant.accessOnly ? cookieHeader({ token: tokens.token }) : cookieHeader(tokens) }
}

/**
 * A visitor this server has not seen: in session mode a new sign-in, else an access token minted for this visit
 * alone, signed as the backend signs its own (minted here, so the backend keeps no record of it and holds no
 * memory for it). No refresh-token cookie: one the backend did not issue would be refused wherever it is spent
 * (bench/lib/held.mjs signs in the visitors that need one).
 */
export async function newVisitorCookie(server, index) {
  if (server.variant.sessions) return await server.sessionCookie()
  const user = BENCH_USERS[index % BENCH_USERS.length]
  const token = await new SignJWT({ name: user.name, fam: `first-visit-${index}` })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user.id)
    .setJti(`first-visit-${index}`)
    .setIssuedAt()
    .setExpirationTime('30m')
    .sign(new TextEncoder().encode(BENCH_SECRET))
  return { user, cookie: cookieHeader({ token }) }
}

/** The same access token, expired: what a browser holds after a while away. */
export async function expiredCopy(token) {
  const now = Math.floor(Date.now() / 1000)
  return await new SignJWT({ ...decodeJwt(token), iat: now - 3600, exp: now - 60 })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(BENCH_SECRET))
}

export function cookieHeader({ token, refreshToken }) {
  return refreshToken === undefined ? `auth.token=${token}` : `auth.token=${token}; auth.refresh-token=${refreshToken}`
}
