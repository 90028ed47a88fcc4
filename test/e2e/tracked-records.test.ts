import { randomBytes } from 'node:crypto'
import Redis from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { trackRecords, type RecordMemo, type TrackableRedis } from '../../src/runtime/server/sessions/tracked-records'
import { startRedisRelay } from './redis'

// The session records a server keeps while Redis reports their changes (client-side caching), against the tests'
// real Redis. The database of its own lets a flush be tested without touching other tests' keys.
const redisUrl = `${inject('redisUrl').replace(/\/\d*$/, '')}/9`
const keyPrefix = `gatekeeper-tracked-${randomBytes(4).toString('hex')}:`

/** A memo over a client as the storage driver makes it, and a counting loader reading `key` with the writer. */
function memoOn(url: string) {
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2000 })
  const memo = trackRecords(client as unknown as TrackableRedis, { keyPrefix, tracked: 's:' })
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
  const open = (url = redisUrl) => {
    const made = memoOn(url)
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
  })

  it('while its connection is down nothing is kept; back, a change made meanwhile is read, and records are kept again', async () => {
    const relay = await startRedisRelay(redisUrl)
    try {
      const { memo, read, loads } = open(relay.url)
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
      expect(await read('s:away')).toBe('during')
      expect(await read('s:away')).toBe('during')
      expect(loads()).toBe(2)
    }
    finally {
      await relay.close()
    }
  })

  it('a Redis user without the CLIENT command: every read goes to Redis, with one warning saying why', async () => {
    const user = `gatekeeper-test-${randomBytes(4).toString('hex')}`
    await writer.call('ACL', 'SETUSER', user, 'on', '>a-test-password', '~*', '&*', '+@all', '-client')
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      const url = new URL(redisUrl)
      url.username = user
      url.password = 'a-test-password'
      const { memo, read, loads } = open(url.href)
      await vi.waitFor(() => expect(warn).toHaveBeenCalledTimes(1), { timeout: 10_000 })
      expect(String(warn.mock.calls[0]![0])).toContain('Redis refused client-side caching (CLIENT TRACKING: NOPERM')
      expect(String(warn.mock.calls[0]![0])).toContain('the CLIENT command allowed for the user of NUXT_AUTH_SESSIONS_REDIS_URL')
      expect(memo.tracking).toBe(false)
      await writer.set(`${keyPrefix}s:plain`, 'read')
      expect(await read('s:plain')).toBe('read')
      expect(await read('s:plain')).toBe('read')
      expect(loads()).toBe(2)
      // No attempt after the refusal.
      await new Promise(resolve => setTimeout(resolve, 300))
      expect(warn).toHaveBeenCalledTimes(1)
    }
    finally {
      warn.mockRestore()
      await writer.call('ACL', 'DELUSER', user)
    }
  })
})
