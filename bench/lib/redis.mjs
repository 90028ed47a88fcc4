// The bench's Redis for the session-mode variants: REDIS_URL when given, else a private redis-server on a free
// port (found as the tests find it, scripts/redis.mjs), stopped after the run.
import { spawn } from 'node:child_process'
import { connect, createServer } from 'node:net'
import { findRedisServer } from '../../scripts/redis.mjs'

export async function startRedis() {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: () => {} }
  const binary = findRedisServer()
  if (!binary) throw new Error('The session-mode variants need Redis: set REDIS_URL, or install redis-server (node scripts/ensure-redis.mjs says how)')
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address()
      probe.close(() => resolve(free))
    })
  })
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  const url = `redis://127.0.0.1:${port}`
  for (let attempt = 0; attempt < 100; attempt++) {
    const up = await new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port })
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (up) return { url, stop: () => child.kill('SIGTERM') }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  child.kill()
  throw new Error(`redis-server did not start on ${url}`)
}
