// Finds a redis-server for the session tests: REDIS_SERVER_PATH, Debian's redis-server, or one on the PATH.
// (With REDIS_URL set, the tests use that server instead and start none.)
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const CANDIDATES = ['/usr/bin/redis-server', '/usr/local/bin/redis-server', '/opt/homebrew/bin/redis-server']

export function findRedisServer() {
  const fromEnv = process.env.REDIS_SERVER_PATH
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`REDIS_SERVER_PATH is set to ${fromEnv}, but no file is there`)
    return fromEnv
  }
  const known = CANDIDATES.find(path => existsSync(path))
  if (known) return known
  try {
    return execFileSync('which', ['redis-server'], { encoding: 'utf8' }).trim() || null
  }
  catch {
    return null
  }
}

/**
 * A Redis for a test or bench run: REDIS_URL when given, else the redis-server found above started on a free port
 * on 127.0.0.1 without persistence; `stop()` ends it. Resolves once it answers PING.
 */
export async function startRedis() {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: () => {} }
  const binary = findRedisServer()
  if (!binary) throw new Error('No redis-server and no REDIS_URL: run `node scripts/ensure-redis.mjs` for how to get one')
  const { spawn } = await import('node:child_process')
  const { connect, createServer } = await import('node:net')
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address()
      probe.close(() => resolve(free))
    })
  })
  const server = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  server.stdout.on('data', (chunk) => {
    output += chunk
  })
  server.stderr.on('data', (chunk) => {
    output += chunk
  })
  const ping = () => new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'))
    socket.setTimeout(1000, () => socket.destroy())
    socket.once('data', (data) => {
      socket.destroy()
      resolve(String(data).startsWith('+PONG'))
    })
    socket.once('error', () => resolve(false))
    socket.once('close', () => resolve(false))
  })
  const deadline = Date.now() + 10_000
  while (!await ping()) {
    if (Date.now() > deadline || server.exitCode !== null) {
      server.kill('SIGKILL')
      throw new Error(`redis-server did not start on port ${port}:\n${output}`)
    }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  return { url: `redis://127.0.0.1:${port}`, stop: () => void server.kill('SIGTERM') }
}
