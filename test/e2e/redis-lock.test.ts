import { randomBytes } from 'node:crypto'
import Redis from 'ioredis'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { createRedisLock } from '../../src/runtime/server/sessions/lock'

// The session lock on the tests' real Redis, through a stall: writes paused longer than the client waits for an answer,
// as a failover pauses the old primary (CLIENT PAUSE … WRITE). The client gives up, but Redis runs the queued command
// once the pause ends.
const redisUrl = inject('redisUrl')
const prefix = `gatekeeper-lock-${randomBytes(4).toString('hex')}:`

describe('the Redis session lock through a stall', () => {
  const admin = new Redis(redisUrl)
  // As sessions/service.ts makes its client, with a short commandTimeout so the pause outlasts it.
  const client = new Redis(redisUrl, { commandTimeout: 300, maxRetriesPerRequest: 1 })
  afterAll(() => {
    admin.disconnect()
    client.disconnect()
  })
  const lock = createRedisLock(client as never, prefix, 60_000)

  it('a take whose answer timed out leaves no lock behind once Redis answers again (it blocked the session for the lock\'s whole time)', async () => {
    await admin.call('CLIENT', 'PAUSE', '1000', 'WRITE')
    // The SET times out on the client (the request answers 503, no verdict)…
    await expect(lock.acquire('s:stalled', { wait: false })).rejects.toThrow()
    // …and runs when the pause ends; whatever it left is released behind it. (Asked on the same connection: after
    // the commands queued there.)
    expect(await admin.call('CLIENT', 'UNPAUSE')).toBe('OK')
    expect(await client.exists(`${prefix}s:stalled`)).toBe(0)
    const release = await lock.acquire('s:stalled', { wait: false })
    expect(release).toBeTypeOf('function')
    await release!()
  })

  it('stays with a holder that works longer than the lock time, renewed only while that holder holds it', async () => {
    const short = createRedisLock(client as never, prefix, 300)
    const release = await short.acquire('s:slow', { wait: false, renew: true })
    expect(release).toBeTypeOf('function')
    // A second request (another instance) asks while the holder works for more than three lock times.
    for (let asked = 0; asked < 5; asked++) {
      await new Promise(resolve => setTimeout(resolve, 200))
      expect(await short.acquire('s:slow', { wait: false })).toBeNull()
    }
    await release!()
    expect(await client.exists(`${prefix}s:slow`)).toBe(0)

    // Once another holder has the name (this one's lock ran out in a failover), this one's renewals leave it alone.
    const lapsed = await short.acquire('s:taken', { wait: false, renew: true })
    await admin.set(`${prefix}s:taken`, 'another-holder', 'PX', 300)
    await new Promise(resolve => setTimeout(resolve, 600))
    expect(await client.exists(`${prefix}s:taken`)).toBe(0)
    await lapsed!()
  })
})
