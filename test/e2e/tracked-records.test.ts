import { randomBytes } from 'node:crypto'
import Redis from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import type { RecordMemo } from '../../src/runtime/server/sessions/record-memo'
import { trackRecords, type TrackableRedis } from '../../src/runtime/server/sessions/tracked-records'
import { startRedisRelay } from './redis'

// The session records a server keeps while Redis reports their changes (client-side caching), against the tests'
// real Redis. The database of its own lets a flush be tested without touching other tests' keys.
const redisUrl = `${inject('redisUrl').replace(/\/\d*$/, '')}/9`
const keyPrefix = `gatekeeper-tracked-${randomBytes(4).toString('hex')}:`

/**
 * A memo over a client as the storage driver makes it (its options; `clientKeyPrefix`: ioredis's own key prefix,
 * which the memo is not told of), and a counting loader reading `key` with that client.
 */
function memoOn(url: string, { clientKeyPrefix }: { clientKeyPrefix?: string } = {}) {
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2000, keyPrefix: clientKeyPrefix })
  const probe = {
    write: async (key: string) => void await client.set(`${keyPrefix}${key}`, 'probe', 'EX', 60),
    remove: async (key: string) => void await client.del(`${keyPrefix}${key}`),
  }
  const memo = trackRecords(client as unknown as TrackableRedis, { keyPrefix, tracked: 's:', probe })
  let loads = 0
  const read = (key: string) => memo.read(key, async () => {
    loads++
    return await client.get(`${keyPrefix}${key}`)
  })
  return { client, memo, read, loads: () => loads }
}

describe('session records kept while Redis tracks them', () => {
  const writer = new Redis(redisUrl)
  const opened: Array<{ client: Redis, memo: RecordMemo }> = []
  const open = (url = redisUrl, options: Parameters<typeof memoOn>[1] = {}) => {
    const made = memoOn(url, options)
    opened.push(made)
    return made
  }
  const tracking = (memo: RecordMemo) => expect.poll(() => memo.tracking, { timeout: 10_000, interval: 20 })

  beforeAll(async () => {
    await writer.set(`${keyPrefix}s:one`, 'first')
    await writer.set(`${keyPrefix}s:two`, 'second')
  })
  afterEach(() => {
    for (const { client, memo } of opened.splice(0)) {
      memo.close()
      client.disconnect()
    }
  })
  afterAll(async () => {
    const keys = await writer.keys(`${keyPrefix}*`)
    if (keys.length) await writer.del(...keys)
    writer.disconnect()
  })

  it('reads Redis once per change, not once per read', async () => {
    const { memo, read, loads } = open()
    await tracking(memo).toBe(true)
    expect(await read('s:one')).toBe('first')
    expect(await read('s:one')).toBe('first')
    expect(await read('s:one')).toBe('first')
    expect(loads()).toBe(1)
    // A record that is not there is kept as such, until one is written.
    expect(await read('s:none')).toBeNull()
    expect(await read('s:none')).toBeNull()
    expect(loads()).toBe(2)
    await writer.set(`${keyPrefix}s:none`, 'made')
    await memo.settled()
    expect(await read('s:none')).toBe('made')
    expect(loads()).toBe(3)
  })

  it('drops a record when another connection changes or deletes it, or Redis expires it, and keeps the others', async () => {
    const { memo, read, loads } = open()
    await tracking(memo).toBe(true)
    await read('s:one')
    await read('s:two')
    await writer.set(`${keyPrefix}s:one`, 'first, changed')
    await memo.settled()
    expect(await read('s:one')).toBe('first, changed')
    expect(await read('s:two')).toBe('second')
    expect(loads()).toBe(3)
    await writer.del(`${keyPrefix}s:one`)
    await memo.settled()
    expect(await read('s:one')).toBeNull()
    await writer.set(`${keyPrefix}s:short`, 'brief', 'PX', 50)
    expect(await read('s:short')).toBe('brief')
    await new Promise(resolve => setTimeout(resolve, 150))
    // Redis expires keys when they are touched or by its sampling: a write elsewhere to the key would too.
    expect(await writer.exists(`${keyPrefix}s:short`)).toBe(0)
    await memo.settled()
    const before = loads()
    expect(await read('s:short')).toBeNull()
    expect(loads()).toBe(before + 1)
    // Keys outside the tracked prefix (locks, the device index) change without costing a record.
    await writer.set(`${keyPrefix}lock:s:two`, 'held')
    await memo.settled()
    expect(await read('s:two')).toBe('second')
    expect(loads()).toBe(before + 1)
  })

  it('keeps nothing a read brought back while a change was reported (the read began before it)', async () => {
    const { memo, client } = open()
    await tracking(memo).toBe(true)
    await writer.set(`${keyPrefix}s:raced`, 'old')
    let release!: () => void
    const held = new Promise<void>(resolve => (release = resolve))
    let answered!: () => void
    const readOld = new Promise<void>(resolve => (answered = resolve))
    // The read has the old value from Redis; its answer reaches the memo only after the change's message did.
    const racing = memo.read('s:raced', async () => {
      const value = await client.get(`${keyPrefix}s:raced`)
      answered()
      await held
      return value
    })
    await readOld
    await writer.set(`${keyPrefix}s:raced`, 'new')
    await memo.settled()
    release()
    expect(await racing).toBe('old')
    let loads = 0
    expect(await memo.read('s:raced', async () => {
      loads++
      return await client.get(`${keyPrefix}s:raced`)
    })).toBe('new')
    expect(loads).toBe(1)
  })

  it('forgets at once what this process wrote, without waiting for Redis\'s message', async () => {
    const { memo } = open()
    await tracking(memo).toBe(true)
    // The loader stands for this process's reads: nothing is written to Redis, so no message comes.
    const loaded: string[] = []
    const read = (value: string) => memo.read('s:mine', async () => {
      loaded.push(value)
      return value
    })
    expect(await read('as read')).toBe('as read')
    expect(await read('unused')).toBe('as read')
    memo.forget('s:mine')
    expect(await read('as written')).toBe('as written')
    expect(loaded).toEqual(['as read', 'as written'])
  })

  it('a flush of the database drops every record', async () => {
    const { memo, read, loads } = open()
    await tracking(memo).toBe(true)
    await read('s:one')
    await read('s:two')
    await writer.flushdb()
    await memo.settled()
    expect(await read('s:one')).toBeNull()
    expect(await read('s:two')).toBeNull()
    expect(loads()).toBe(4)
    // Tracking goes on: what was read since is kept.
    expect(memo.tracking).toBe(true)
    expect(await read('s:one')).toBeNull()
    expect(loads()).toBe(4)
  })

  it('while its connection is down nothing is kept; back, a change made meanwhile is read, and records are kept again', async () => {
    const relay = await startRedisRelay(redisUrl)
    try {
      const { memo, read, loads, client } = open(relay.url)
      await tracking(memo).toBe(true)
      await writer.set(`${keyPrefix}s:away`, 'before')
      await memo.settled()
      expect(await read('s:away')).toBe('before')
      expect(await read('s:away')).toBe('before')
      expect(loads()).toBe(1)
      relay.cut()
      await tracking(memo).toBe(false)
      // Changed where this connection cannot hear it.
      await writer.set(`${keyPrefix}s:away`, 'during')
      relay.restore()
      await tracking(memo).toBe(true)
      // (The reads go through the storage's own client, which reconnects on its own schedule.)
      await expect.poll(() => client.status, { timeout: 10_000, interval: 20 }).toBe('ready')
      expect(await read('s:away')).toBe('during')
      expect(await read('s:away')).toBe('during')
      expect(loads()).toBe(2)
    }
    finally {
      await relay.close()
    }
  })

  it('a connection that stops answering without closing: the heartbeat notices, and nothing kept is used', async () => {
    const relay = await startRedisRelay(redisUrl)
    try {
      const { memo, read, loads } = open(relay.url)
      await tracking(memo).toBe(true)
      await writer.set(`${keyPrefix}s:frozen`, 'kept')
      await memo.settled()
      expect(await read('s:frozen')).toBe('kept')
      expect(await read('s:frozen')).toBe('kept')
      expect(loads()).toBe(1)
      relay.freeze()
      // Within a heartbeat and its timeout (5 + 2 s; the poll allows for a loaded machine).
      await expect.poll(() => memo.tracking, { timeout: 15_000, interval: 50 }).toBe(false)
      expect(await memo.read('s:frozen', async () => 'read again')).toBe('read again')
    }
    finally {
      await relay.close()
    }
  })

  it('a Redis client that adds a key prefix the memo does not know of: its test key brings no message, nothing is kept, one warning says why', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      const { memo, read, loads } = open(redisUrl, { clientKeyPrefix: 'app-own:' })
      await vi.waitFor(() => expect(warn).toHaveBeenCalledTimes(1), { timeout: 10_000 })
      expect(String(warn.mock.calls[0]![0])).toContain(`Redis reported no change of a session key written as a test (tracking the prefix "${keyPrefix}s:"; does the Redis client add a key prefix of its own?), so every request reads its session from Redis`)
      expect(memo.tracking).toBe(false)
      expect(await read('s:plain')).toBeNull()
      expect(await read('s:plain')).toBeNull()
      expect(loads()).toBe(2)
    }
    finally {
      warn.mockRestore()
    }
  })

  it('a Redis user without the CLIENT command, or without the invalidation channel: every read goes to Redis, with one warning naming the step', async () => {
    const refusals = {
      'CLIENT ID: NOPERM': ['~*', '&*', '+@all', '-client'],
      'SUBSCRIBE __redis__:invalidate: NOPERM': ['~*', 'resetchannels', '&other', '+@all'],
    }
    for (const [step, rules] of Object.entries(refusals)) {
      const user = `gatekeeper-test-${randomBytes(4).toString('hex')}`
      await writer.call('ACL', 'SETUSER', user, 'on', '>a-test-password', ...rules)
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
      const url = new URL(redisUrl)
      url.username = user
      url.password = 'a-test-password'
      const { memo, read, loads, client } = open(url.href)
      try {
        await vi.waitFor(() => expect(warn).toHaveBeenCalledTimes(1), { timeout: 10_000 })
        expect(String(warn.mock.calls[0]![0]), step).toContain(`Redis refused client-side caching (${step}`)
        expect(String(warn.mock.calls[0]![0]), step).toContain('for the user of the Redis URL the CLIENT and SUBSCRIBE commands and the channel __redis__:invalidate, so every request reads its session from Redis')
        expect(memo.tracking, step).toBe(false)
        await writer.set(`${keyPrefix}s:plain`, 'read')
        expect(await read('s:plain')).toBe('read')
        expect(await read('s:plain')).toBe('read')
        expect(loads(), step).toBe(2)
        // No attempt after the refusal.
        await new Promise(resolve => setTimeout(resolve, 300))
        expect(warn, step).toHaveBeenCalledTimes(1)
      }
      finally {
        warn.mockRestore()
        // Before the user goes: Redis drops its connections, and the client would try again with it.
        memo.close()
        client.disconnect()
        await writer.call('ACL', 'DELUSER', user)
      }
    }
  })
})
