import { createServer } from 'node:http'
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { startServer } from '../../bench/lib/server.mjs'

// The bench runner's own start of a variant's server: the figures of a variant must come from its own server.
describe('the bench starting a variant', () => {
  it('refuses a port where another process answers (the child lost it, or never started), instead of measuring that process', async () => {
    // Another process on the port the runner picked: it answers everything, the bench's state route too.
    const other = createServer((request, response) => {
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify(request.url === '/api/_bench/state' ? { counters: {}, reuseDetections: 0, pid: process.pid } : {}))
    })
    other.listen(0, '127.0.0.1')
    await once(other, 'listening')
    try {
      const { port } = other.address() as { port: number }
      const variant = { name: 'lost-port', dir: '/nonexistent-bench-variant', env: {} }
      await expect(startServer(variant, { port, startTimeoutMs: 5_000 })).rejects.toThrow(/lost-port: another process answers on http:\/\/127\.0\.0\.1:\d+ \(pid \d+, not the server started/)
    }
    finally {
      other.close()
    }
  })
})
