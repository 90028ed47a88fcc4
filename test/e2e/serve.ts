import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { request as httpRequest, createServer as createHttpServer } from 'node:http'
import { createServer, type AddressInfo } from 'node:net'
import { readdirSync, readFileSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { delimiter, dirname, extname, join, normalize } from 'node:path'

/** A port nothing listens on at this moment: something else may take it before it is used (see onFreePort). */
async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  return port
}

/**
 * Runs `start` with a free port, and again with another one when the port was taken in the meantime (EADDRINUSE):
 * a picked port is only reserved until the probe closes, and busy CI machines open many sockets.
 */
export async function onFreePort<T>(start: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort())
    }
    catch (error) {
      if (attempt >= attempts || (error as { code?: string }).code !== 'EADDRINUSE') throw error
    }
  }
}

/**
 * Serves a built app (its `.output`) on 127.0.0.1 with `env`, once `readyPath` answers 2xx; returns its URL
 * and a stop function. Fails with the server's output when it does not come up (with `code: 'EADDRINUSE'` when
 * its port was taken). Without `port`, a free one is picked (see onFreePort).
 */
export async function serveBuilt(appDir: string, env: Record<string, string | undefined> = {}, { port, readyPath = '/', node = process.execPath }: { port?: number, readyPath?: string, node?: string } = {}): Promise<ServedApp> {
  if (port === undefined) return await onFreePort(free => serveOn(appDir, env, free, readyPath, node))
  return await serveOn(appDir, env, port, readyPath, node)
}

export interface ServedApp {
  baseURL: string
  port: number
  /** What the server printed so far. */
  output: () => string
  stop: () => void
}

/**
 * The server's output once every line it wrote before this call has arrived: its stdout and stderr reach the test
 * through pipes, so a line printed while answering the last request may not have been read yet ("logged once" would
 * count too few, "nothing logged" would read too early). Asks the fixtures' /api/_test/log-marker to print a marker
 * on both, and waits until both have come. (Work the server still does after the marker is not covered: wait for its
 * outcome first.)
 */
export async function settledOutput(server: ServedApp): Promise<string> {
  const id = randomUUID()
  const response = await fetch(`${server.baseURL}/api/_test/log-marker?id=${id}`)
  if (!response.ok) throw new Error(`${server.baseURL} has no /api/_test/log-marker (status ${response.status})`)
  const marker = `log-marker ${id}\n`
  for (const deadline = Date.now() + 10_000; server.output().split(marker).length - 1 < 2;) {
    if (Date.now() > deadline) throw new Error(`${server.baseURL} printed no log marker on stdout and stderr within 10 s`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  return server.output()
}

async function serveOn(appDir: string, env: Record<string, string | undefined>, port: number, readyPath: string, node: string): Promise<ServedApp> {
  const server: ChildProcess = spawn(node, ['.output/server/index.mjs'], {
    cwd: appDir,
    env: { ...process.env, NODE_ENV: 'production', ...env, PORT: String(port), HOST: '127.0.0.1', NITRO_HOST: '127.0.0.1', NITRO_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const collect = (chunk: Buffer) => {
    output += chunk
  }
  server.stdout?.on('data', collect)
  server.stderr?.on('data', collect)
  const baseURL = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    if (await fetch(`${baseURL}${readyPath}`).then(response => response.ok, () => false)) break
    if (Date.now() > deadline || server.exitCode !== null) {
      server.kill('SIGTERM')
      throw Object.assign(new Error(`${appDir} did not start on ${baseURL}:\n${output}`), output.includes('EADDRINUSE') ? { code: 'EADDRINUSE' } : {})
    }
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  return { baseURL, port, output: () => output, stop: () => void server.kill('SIGTERM') }
}

/**
 * The environment of an app's own commands (npm, nuxi, vue-tsc) as a user runs them: `node` first on PATH, and
 * without vitest's variables (TEST, VITEST*, NODE_ENV), under which Nuxt turns DevTools off and quietens its logger
 * to errors, so a build's warnings and the dev server's URL would not be printed.
 */
export function appCommandEnv(node: string): Record<string, string | undefined> {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(?:VITEST|TEST$|NODE_ENV$)/.test(name))), PATH: `${dirname(node)}${delimiter}${process.env.PATH}` }
}

/**
 * Runs `nuxi dev` for an app on 127.0.0.1 until `readyPath` answers 2xx; returns its URL and a stop function that
 * ends the dev server with the server process it forks (one process group). The URL is read from what nuxi prints:
 * the port it listens on, whatever was asked for.
 */
export async function serveDev(appDir: string, { readyPath = '/', node = process.execPath }: { readyPath?: string, node?: string } = {}): Promise<ServedApp> {
  const server: ChildProcess = spawn(node, [join(appDir, 'node_modules', '.bin', 'nuxi'), 'dev', '--port', String(await freePort()), '--host', '127.0.0.1'], {
    cwd: appDir,
    env: appCommandEnv(node),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  const collect = (chunk: Buffer) => {
    output += chunk
  }
  server.stdout?.on('data', collect)
  server.stderr?.on('data', collect)
  const stop = () => {
    try {
      process.kill(-server.pid!, 'SIGTERM')
    }
    catch {
      // Already gone.
    }
  }
  const deadline = Date.now() + 180_000
  for (;;) {
    // eslint-disable-next-line no-control-regex
    const baseURL = /Local:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output.replace(/\u001B\[[\d;]*m/g, ''))?.[1]
    if (baseURL && await fetch(`${baseURL}${readyPath}`).then(response => response.ok, () => false)) {
      return { baseURL, port: Number(new URL(baseURL).port), output: () => output, stop }
    }
    if (Date.now() > deadline || server.exitCode !== null) {
      stop()
      throw new Error(`nuxi dev in ${appDir} did not start:\n${output}`)
    }
    await new Promise(resolve => setTimeout(resolve, 500))
  }
}

/**
 * A round-robin HTTP proxy (node:http) in front of `targets`, which may be filled after it starts (apps that must
 * know the proxy's URL); it passes the `Host` header on, as load balancers do. `served[i]`: requests target i served.
 */
export async function roundRobin(targets: string[]) {
  const served = targets.map(() => 0)
  let next = 0
  const server = createHttpServer((incoming, outgoing) => {
    const index = next++ % targets.length
    served[index] = (served[index] ?? 0) + 1
    const target = new URL(targets[index]!)
    const upstream = httpRequest({ hostname: target.hostname, port: target.port, path: incoming.url, method: incoming.method, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.rawHeaders)
      answer.pipe(outgoing)
    })
    upstream.on('error', () => outgoing.destroy())
    incoming.pipe(upstream)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { baseURL: `http://127.0.0.1:${port}`, targets, served, close: () => new Promise<void>(resolve => server.close(() => resolve())) }
}

/**
 * The status of a request whose path is sent exactly as written: fetch() resolves dot segments and turns
 * backslashes into slashes before anything reaches the server, so paths that test how a server reads them go
 * through node:http.
 */
export function rawStatus(baseURL: string, path: string, { method = 'GET', headers = {} }: { method?: string, headers?: Record<string, string> } = {}): Promise<number> {
  const { hostname, port } = new URL(baseURL)
  return new Promise((resolve, reject) => {
    httpRequest({ hostname, port, path, method, headers }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    }).on('error', reject).end()
  })
}

const STATIC_TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' }

/**
 * A static host (node:http) for a generated site's files (`publicDir`): a path's file, else its `index.html`, else
 * `404.html` with status 404, as plain static hosts answer. Requests under `/api/` go to `backendURL`, as a host's
 * rewrite to an API sends them.
 */
export async function serveStatic(publicDir: string, backendURL: string) {
  const backend = new URL(backendURL)
  const server = createHttpServer(async (incoming, outgoing) => {
    const { pathname } = new URL(incoming.url ?? '/', 'http://static.test')
    if (pathname.startsWith('/api/')) {
      const upstream = httpRequest({ hostname: backend.hostname, port: backend.port, path: incoming.url, method: incoming.method, headers: { ...incoming.headers, host: backend.host } }, (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.rawHeaders)
        answer.pipe(outgoing)
      })
      upstream.on('error', () => outgoing.destroy())
      incoming.pipe(upstream)
      return
    }
    const path = normalize(decodeURIComponent(pathname))
    for (const file of [join(publicDir, path), join(publicDir, path, 'index.html')]) {
      if (file.startsWith(publicDir) && await stat(file).then(entry => entry.isFile(), () => false)) {
        outgoing.writeHead(200, { 'content-type': STATIC_TYPES[extname(file)] ?? 'application/octet-stream' })
        outgoing.end(await readFile(file))
        return
      }
    }
    outgoing.writeHead(404, { 'content-type': STATIC_TYPES['.html']! })
    outgoing.end(await readFile(join(publicDir, '404.html')))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { baseURL: `http://127.0.0.1:${port}`, close: () => new Promise<void>(resolve => server.close(() => resolve())) }
}

/** The render mark a build generated (module.ts), read from its server bundle's settings: there must be one. */
export function builtRenderMark(appDir: string): string {
  const serverDir = join(appDir, '.output', 'server', 'chunks')
  const marks = new Set(readdirSync(serverDir, { recursive: true, encoding: 'utf8' })
    .filter(file => file.endsWith('.mjs'))
    .flatMap(file => [...readFileSync(join(serverDir, file), 'utf8').matchAll(/"renderMark":\s*"([0-9a-f-]{36})"/g)].map(match => match[1]!)))
  if (marks.size !== 1) throw new Error(`${appDir}: expected one render mark in the server bundle, found ${marks.size}`)
  return [...marks][0]!
}
