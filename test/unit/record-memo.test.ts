import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createStorage } from 'unstorage'
import { afterEach, describe, expect, it } from 'vitest'
import { processRecords, untrackedRecords } from '../../src/runtime/server/sessions/record-memo'
import { mountStorage, startSessionService } from '../../src/runtime/server/sessions/service'
import type { SessionSettings } from '../../src/runtime/server/sessions/store'

// The memo a service gets for the module's memory storage, which only this process changes (the Redis one is
// test/e2e/tracked-records.test.ts's part).

describe('processRecords', () => {
  it('loads a record once, then answers from memory until it is forgotten', async () => {
    const records = processRecords()
    let loads = 0
    const load = async () => ({ n: ++loads })
    expect(await records.read('s:a', load)).toEqual({ n: 1 })
    expect(await records.read('s:a', load)).toEqual({ n: 1 })
    expect(await records.read('s:b', load)).toEqual({ n: 2 })
    records.forget('s:a')
    expect(await records.read('s:a', load)).toEqual({ n: 3 })
    expect(await records.read('s:b', load)).toEqual({ n: 2 })
    records.close()
    expect(await records.read('s:b', load)).toEqual({ n: 4 })
  })

  it('keeps nothing from a read that a write overtook', async () => {
    const records = processRecords()
    let release!: () => void
    const slow = records.read('s:a', () => new Promise<{ v: string }>((resolve) => {
      release = () => resolve({ v: 'before the write' })
    }))
    // The store wrote the record while the read was under way: the read's answer may be the old record.
    records.forget('s:a')
    release()
    expect(await slow).toEqual({ v: 'before the write' })
    expect(await records.read('s:a', async () => ({ v: 'after the write' }))).toEqual({ v: 'after the write' })
  })

  it('hands out frozen records: one request cannot change what the next one reads', async () => {
    const records = processRecords()
    const record = await records.read('s:a', async () => ({ lastSeenAt: 1 }))
    expect(Object.isFrozen(record)).toBe(true)
    expect(records.tracking).toBe(true)
    expect(untrackedRecords.tracking).toBe(false)
  })
})

describe('the session service on the module\'s storages', () => {
  const settings: SessionSettings = { enabled: true, storage: 'memory', secret: '', redisUrl: '', redisBase: 'gatekeeper', fsBase: '', cookieName: 'gatekeeper.session', sameSite: 'lax', idleTimeout: 600, maxAge: 3600, userIdPointer: '/id', maxEntries: 100 }
  const secrets = ['a-test-secret-0123456789abcdef0123456789']
  const device = { userId: 'u1', userAgent: 'Test/1', ip: '127.0.0.1' }
  const tokens = { token: 'eyJ.access', refreshToken: 'refresh-1' }
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  /** A service as the Nitro plugin starts it, with the mount's reads of session records counted. */
  async function started(choice: Partial<SessionSettings>) {
    const storage = createStorage()
    const mount = await mountStorage(storage, 'gatekeeper-sessions', { ...settings, ...choice })
    const { driver } = storage.getMount(mount)
    const reads: string[] = []
    const getItem = driver.getItem.bind(driver)
    driver.getItem = (key, options) => {
      if (key.startsWith('s:') || key.startsWith('s/')) reads.push(key)
      return getItem(key, options)
    }
    const service = await startSessionService({ ...settings, ...choice }, storage, Promise.resolve(mount), secrets, 1000)
    return { service, reads }
  }

  it('memory: a request reads its session from the storage once per change, and a revocation holds at once', async () => {
    const { service, reads } = await started({ storage: 'memory' })
    const { handle } = await service.create(tokens, device)
    reads.length = 0
    for (let request = 0; request < 5; request++) expect((await service.read(handle, undefined, { recent: true }))?.tokens).toEqual(tokens)
    expect(reads).toHaveLength(1)
    // Activity recorded: written, so forgotten; the next request reads the new record.
    const seenAt = Date.now() + 120_000
    await service.touch((await service.read(handle))!, seenAt)
    reads.length = 0
    expect((await service.read(handle, undefined, { recent: true }))?.meta.lastSeenAt).toBe(seenAt)
    expect((await service.read(handle, undefined, { recent: true }))?.meta.lastSeenAt).toBe(seenAt)
    expect(reads).toHaveLength(1)
    expect(await service.revoke(handle)).toBe(true)
    expect(await service.read(handle, undefined, { recent: true })).toBeNull()
  })

  it('memory: a session ended by the maxEntries limit is forgotten with it, not served from memory', async () => {
    const { service } = await started({ storage: 'memory', maxEntries: 2 })
    const now = Date.now()
    const oldest = await service.create(tokens, device, now)
    expect((await service.read(oldest.handle, now, { recent: true }))?.tokens).toEqual(tokens)
    await service.create(tokens, device, now + 1000)
    // The limit reached: this sign-in ends the same user's least recently seen session, the one kept above.
    await service.create(tokens, device, now + 2000)
    expect(await service.read(oldest.handle, now + 2000, { recent: true })).toBeNull()
  })

  it('fs: every request reads the storage (another process may share the folder)', async () => {
    const fsBase = mkdtempSync(join(tmpdir(), 'gatekeeper-sessions-'))
    dirs.push(fsBase)
    const { service, reads } = await started({ storage: 'fs', fsBase })
    const { handle } = await service.create(tokens, device)
    reads.length = 0
    for (let request = 0; request < 5; request++) expect((await service.read(handle, undefined, { recent: true }))?.tokens).toEqual(tokens)
    expect(reads).toHaveLength(5)
  })
})
