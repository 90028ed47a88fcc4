import { spawn } from 'node:child_process'
import { connect, createServer, type Socket } from 'node:net'
import { findRedisServer } from '../../scripts/redis.mjs'
import { freePort } from './serve'

/** Sends PING; resolves when the server at host:port answers PONG. */
function ping(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => socket.write('PING\r\n'))
    socket.setTimeout(1000, () => socket.destroy())
    socket.once('data', (data) => {
      socket.destroy()
      resolve(String(data).startsWith('+PONG'))
    })
    socket.once('error', () => resolve(false))
    socket.once('close', () => resolve(false))
  })
}

/**
 * The tests' Redis: REDIS_URL when given, else a redis-server started on a free port on 127.0.0.1 for this run
 * (no persistence) and stopped after it. scripts/ensure-redis.mjs made sure one of the two exists.
 */
export async function startRedis(): Promise<{ url: string, stop: () => void }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: () => {} }
  const binary = findRedisServer()
  if (!binary) throw new Error('No redis-server and no REDIS_URL: run `node scripts/ensure-redis.mjs` for how to get one')
  const port = await freePort()
  const server = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  server.stdout?.on('data', (chunk) => {
    output += chunk
  })
  server.stderr?.on('data', (chunk) => {
    output += chunk
  })
  const deadline = Date.now() + 10_000
  while (!await ping('127.0.0.1', port)) {
    if (Date.now() > deadline || server.exitCode !== null) {
      server.kill('SIGKILL')
      throw new Error(`redis-server did not start on port ${port}:\n${output}`)
    }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  return { url: `redis://127.0.0.1:${port}`, stop: () => void server.kill('SIGTERM') }
}

/**
 * A TCP relay between the app servers and Redis that a test can cut: while cut, open connections are dropped and
 * new ones closed at once, as when Redis goes down or the network between them fails.
 */
export async function startRedisRelay(redisUrl: string) {
  const target = new URL(redisUrl)
  const sockets = new Set<Socket>()
  let cut = false
  const server = createServer((client) => {
    if (cut) return client.destroy()
    const upstream = connect({ host: target.hostname, port: Number(target.port || 6379) })
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => {})
    }
    client.pipe(upstream).pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  const port = await freePort()
  await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve))
  const url = new URL(redisUrl)
  url.hostname = '127.0.0.1'
  url.port = String(port)
  return {
    url: url.href.replace(/\/$/, ''),
    cut() {
      cut = true
      for (const socket of sockets) socket.destroy()
    },
    restore() {
      cut = false
    },
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resolve())
    }),
  }
}
