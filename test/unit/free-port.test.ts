import { once } from 'node:events'
import { createServer, type Server } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { onFreePort } from '../e2e/serve'

// The e2e set-up picks a port, then starts a server on it; whatever takes the port in between must cost a retry,
// not the run (a CI run once failed with EADDRINUSE on the Auth.js fixture's port).
describe('onFreePort', () => {
  const servers: Server[] = []
  const listen = async (port: number) => {
    const server = createServer()
    servers.push(server)
    server.listen(port, '127.0.0.1')
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error))])
    return server
  }
  afterEach(() => {
    servers.splice(0).forEach(server => server.close())
  })

  it('picks another port when the first one was taken before the server started', async () => {
    const tried: number[] = []
    const port = await onFreePort(async (free) => {
      tried.push(free)
      if (tried.length === 1) await listen(free) // someone else takes it
      await listen(free)
      return free
    })
    expect(tried).toHaveLength(2)
    expect(port).toBe(tried[1])
    expect(port).not.toBe(tried[0])
  })

  it('gives up after the last attempt, and does not retry other errors', async () => {
    let calls = 0
    await expect(onFreePort(async (free) => {
      calls++
      await listen(free)
      await listen(free)
    }, 2)).rejects.toMatchObject({ code: 'EADDRINUSE' })
    expect(calls).toBe(2)
    calls = 0
    await expect(onFreePort(async () => {
      calls++
      throw new Error('did not build')
    })).rejects.toThrow('did not build')
    expect(calls).toBe(1)
  })
})
