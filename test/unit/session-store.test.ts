import { createHash } from 'node:crypto'
import { mkdtempSync, truncateSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createStorage, prefixStorage } from 'unstorage'
import fsDriver from 'unstorage/drivers/fs-lite'
import { describe, expect, it, vi } from 'vitest'
import { createSessionKeys } from '../../src/runtime/server/sessions/keys'
import { createProcessLock } from '../../src/runtime/server/sessions/lock'
import { createSessionService, type SessionSettings } from '../../src/runtime/server/sessions/store'
import { checkStorageChoice } from '../../src/runtime/server/sessions/service'
import type { RecordMemo } from '../../src/runtime/server/sessions/record-memo'

const settings: SessionSettings = { enabled: true, storage: 'memory', secret: '', redisUrl: '', redisBase: 'gatekeeper', fsBase: '', cookieName: 'gatekeeper.session', sameSite: 'lax', idleTimeout: 60, maxAge: 600, userIdPointer: '/id', maxEntries: 3 }

async function service(overrides: Partial<SessionSettings> = {}) {
  const storage = prefixStorage(createStorage(), 'sessions')
  const sessions = createSessionService({ storage, storageName: 'memory', keys: await createSessionKeys(['a-test-secret-0123456789abcdef0123456789']), settings: { ...settings, ...overrides }, lock: createProcessLock(1000), expiresKeys: false, bounded: true })
  return { storage, sessions }
}
const device = (userId: unknown) => ({ userId, userAgent: 'Test/1', ip: '127.0.0.1' })
const tokens = { token: 'eyJ.access', refreshToken: 'refresh-1' }

describe('the session store', () => {
  it('keeps sealed tokens under a hash of the id and gives them back', async () => {
    const { storage, sessions } = await service()
    const created = await sessions.create(tokens, device('u1'))
    expect(created.handle).toBe(await sessions.handleOf(created.id))
    expect(await storage.getKeys()).toEqual(expect.arrayContaining([`s:${created.handle}`]))
    expect(JSON.stringify(await storage.getItem(`s:${created.handle}`))).not.toContain('refresh-1')
    expect(JSON.stringify(await storage.getKeys())).not.toContain(created.id)
    expect((await sessions.read(created.handle))?.tokens).toEqual(tokens)
  })

  it('a request\'s session may come from the records kept (recent); every write and removal forgets the record; reads under the lock go to the storage', async () => {
    // A memo that keeps everything until told to forget (Redis's messages are tracked-records.test.ts's part).
    const kept = new Map<string, unknown>()
    const forgotten: string[] = []
    const records: RecordMemo = {
      async read(key, load) {
        if (!kept.has(key)) kept.set(key, await load())
        return kept.get(key) as never
      },
      forget(key) {
        forgotten.push(key)
        kept.delete(key)
      },
      tracking: true,
      settled: async () => {},
      close() {},
    }
    const storage = prefixStorage(createStorage(), 'sessions')
    const keys = await createSessionKeys(['a-test-secret-0123456789abcdef0123456789'])
    let opened = 0
    const counted = { ...keys, open: (...args: Parameters<typeof keys.open>) => (opened++, keys.open(...args)) }
    const sessions = createSessionService({ storage, storageName: 'memory', keys: counted, settings: { ...settings, maxEntries: 100 }, lock: createProcessLock(1000), expiresKeys: false, bounded: true, records })
    const created = await sessions.create(tokens, device('u1'))
    const key = `s:${created.handle}`
    expect(forgotten).toEqual([key])
    expect((await sessions.read(created.handle, undefined, { recent: true }))?.tokens).toEqual(tokens)
    expect(kept.has(key)).toBe(true)
    // The kept record is opened once: its tokens come with it on every later request.
    expect((await sessions.read(created.handle, undefined, { recent: true }))?.tokens).toEqual(tokens)
    expect(opened).toBe(1)
    // Changed behind this process's back: a request's read answers from the memo, a read under the lock from the storage.
    const stored = await storage.getItem<Record<string, unknown>>(key)
    await storage.setItem(key, { ...stored, userAgent: 'Changed/2' })
    expect((await sessions.read(created.handle, undefined, { recent: true }))?.meta.userAgent).toBe('Test/1')
    expect((await sessions.read(created.handle))?.meta.userAgent).toBe('Changed/2')
    const next = { token: 'eyJ.next', refreshToken: 'refresh-2' }
    expect(await sessions.replaceTokens(created.handle, tokens, next)).toBe('replaced')
    expect(forgotten).toEqual([key, key])
    expect((await sessions.read(created.handle, undefined, { recent: true }))?.tokens).toEqual(next)
    await sessions.touch((await sessions.read(created.handle))!, Date.now() + 1000)
    expect(forgotten).toEqual([key, key, key])
    expect(await sessions.revoke(created.handle)).toBe(true)
    expect(forgotten).toEqual([key, key, key, key])
    expect(await sessions.read(created.handle, undefined, { recent: true })).toBeNull()
  })

  it('a sign-in whose index entry cannot be written fails and leaves no record behind (nobody will ever have its id)', async () => {
    const base = prefixStorage(createStorage(), 'sessions')
    // The user index's write times out (Redis answered the record's write, then stalled).
    const storage = { ...base, async setItem(key: string, value: unknown, options?: unknown) {
      if (key.startsWith('u:')) throw new Error('Command timed out')
      return await base.setItem(key, value as never, options as never)
    } } as typeof base
    const sessions = createSessionService({ storage, storageName: 'redis', keys: await createSessionKeys(['a-test-secret-0123456789abcdef0123456789']), settings, lock: createProcessLock(1000), expiresKeys: false, bounded: false })
    await expect(sessions.create(tokens, device('u1'))).rejects.toThrow('Command timed out')
    expect(await base.getKeys()).toEqual([])
  })

  it('hashes an id once: its handle is at hand, without a promise, for every later request', async () => {
    const { sessions } = await service()
    const first = sessions.handleOf('an-id-never-seen')
    expect(first).toBeInstanceOf(Promise)
    const handle = await first
    expect(handle).toBe(createHash('sha256').update('an-id-never-seen').digest('hex'))
    expect(sessions.handleOf('an-id-never-seen')).toBe(handle)
    // A session just created is known by its id too.
    const created = await sessions.create(tokens, device('u1'))
    expect(sessions.handleOf(created.id)).toBe(created.handle)
  })

  it('ends a session after the idle timeout and after the absolute lifetime, and removes it', async () => {
    const { storage, sessions } = await service()
    const start = Date.now()
    const idle = await sessions.create(tokens, device('u1'), start)
    expect(await sessions.read(idle.handle, start + 59_000)).not.toBeNull()
    expect(await sessions.read(idle.handle, start + 61_000)).toBeNull()
    expect(await storage.getItem(`s:${idle.handle}`)).toBeNull()
    const active = await sessions.create(tokens, device('u1'), start)
    for (let minute = 0.5; minute < 10; minute += 0.5) {
      const open = await sessions.read(active.handle, start + minute * 60_000)
      expect(open, `after ${minute} min`).not.toBeNull()
      await sessions.touch(open!, start + minute * 60_000)
    }
    expect(await sessions.read(active.handle, start + 600_001)).toBeNull()
  })

  it('lists and revokes a user\'s sessions, and no one else\'s', async () => {
    const { sessions } = await service({ maxEntries: 100 })
    const laptop = await sessions.create(tokens, device('u1'))
    const phone = await sessions.create(tokens, device('u1'))
    const other = await sessions.create(tokens, device(42))
    const listed = await sessions.listUser('u1', laptop.handle)
    expect(listed.map(entry => entry.id).sort()).toEqual([laptop.handle, phone.handle].sort())
    expect(listed.find(entry => entry.current)?.id).toBe(laptop.handle)
    expect(await sessions.userHandles(42)).toEqual([other.handle])
    expect(await sessions.revoke(phone.handle)).toBe(true)
    expect(await sessions.read(phone.handle)).toBeNull()
    expect((await sessions.listUser('u1', null)).map(entry => entry.id)).toEqual([laptop.handle])
    // Gone already, or expired but not yet swept (memory keeps it until the sweep): no session ended.
    expect(await sessions.revoke(phone.handle)).toBe(false)
    const idle = await sessions.create(tokens, device('u1'))
    expect(await sessions.revoke(idle.handle, Date.now() + 61_000)).toBe(false)
    expect(await sessions.userHandles('u1')).toEqual([laptop.handle])
  })

  it('memory stays bounded: beyond maxEntries the least recently seen session goes', async () => {
    const { sessions } = await service({ maxEntries: 3 })
    const now = Date.now()
    const made = []
    for (let index = 0; index < 3; index++) made.push(await sessions.create(tokens, device(`u${index}`), now + index))
    await sessions.touch((await sessions.read(made[0]!.handle, now + 10))!, now + 10)
    await sessions.create(tokens, device('u9'), now + 20)
    expect(await sessions.read(made[0]!.handle, now + 30)).not.toBeNull()
    expect(await sessions.read(made[1]!.handle, now + 30)).toBeNull()
    expect(await sessions.read(made[2]!.handle, now + 30)).not.toBeNull()
  })
})

describe('memory at its bound', () => {
  it('sweeps a hundredth below it: not a read of every session at every sign-in', async () => {
    const { storage, sessions } = await service({ maxEntries: 1000 })
    const now = Date.now()
    const first = []
    for (let index = 0; index < 1000; index++) first.push(await sessions.create(tokens, device(`u${index}`), now + index))
    const reads = vi.spyOn(storage, 'getItem')
    const late = []
    for (let index = 0; index < 20; index++) late.push(await sessions.create(tokens, device(`late${index}`), now + 2000 + index))
    // Two sweeps of about a thousand records (ten sessions ended at each), not twenty.
    expect(reads.mock.calls.length).toBeGreaterThan(1500)
    expect(reads.mock.calls.length).toBeLessThan(2500)
    expect((await storage.getKeys('s')).length).toBeLessThanOrEqual(1000)
    // The ones that ended are the least recently seen: the first twenty.
    const kept = async (made: Array<{ handle: string }>) => await Promise.all(made.map(async ({ handle }) => (await sessions.read(handle, now + 3000)) !== null))
    expect(await kept(first.slice(0, 20))).toEqual(Array.from({ length: 20 }, () => false))
    expect(await kept([...first.slice(20), ...late])).not.toContain(false)
  })

  it('sign-ins arriving together at the bound share one sweep', async () => {
    const { storage, sessions } = await service({ maxEntries: 1000 })
    const now = Date.now()
    for (let index = 0; index < 1000; index++) await sessions.create(tokens, device(`u${index}`), now + index)
    const reads = vi.spyOn(storage, 'getItem')
    await Promise.all(Array.from({ length: 20 }, (_, index) => sessions.create(tokens, device(`together${index}`), now + 2000 + index)))
    expect(reads.mock.calls.length).toBeLessThan(2500)
  })
})

describe('the sweep and records caught mid-write', () => {
  it('fs: a record file read while it is being written (emptied first) is a live session, kept by the sweep as by a request', async () => {
    const base = mkdtempSync(join(tmpdir(), 'gatekeeper-sweep-'))
    const storage = createStorage()
    storage.mount('sessions', fsDriver({ base }))
    const sessions = createSessionService({ storage: prefixStorage(storage, 'sessions'), storageName: 'fs', keys: await createSessionKeys(['a-test-secret-0123456789abcdef0123456789']), settings: { ...settings, storage: 'fs' }, lock: createProcessLock(1000), expiresKeys: false, bounded: false })
    const { handle } = await sessions.create(tokens, device('u1'))
    const file = join(base, 's', handle)
    const written = await storage.getItemRaw(`sessions:s:${handle}`)
    // What a reader sees between writeFile's truncation and its write (a touch or a refresh rewriting the record).
    truncateSync(file, 0)
    await expect(sessions.read(handle)).rejects.toThrow(/unreadable record/)
    await sessions.sweep()
    expect(await storage.hasItem(`sessions:s:${handle}`)).toBe(true)
    // The write completes: the session is there, with its tokens and its place in the device list.
    await storage.setItemRaw(`sessions:s:${handle}`, written)
    expect((await sessions.read(handle))?.tokens).toEqual(tokens)
    await sessions.sweep()
    expect(await sessions.userHandles('u1')).toEqual([handle])
  })

  it('a record that stays unreadable for a minute is garbage, and goes; one readable again meanwhile starts over', async () => {
    const { storage, sessions } = await service({ maxEntries: 100, idleTimeout: 600 })
    const start = Date.now()
    const live = await sessions.create(tokens, device('u1'), start)
    const broken = await sessions.create(tokens, device('u2'), start)
    const rewritten = await sessions.create(tokens, device('u3'), start)
    const record = await storage.getItem(`s:${rewritten.handle}`)
    for (const { handle } of [broken, rewritten]) await storage.setItem(`s:${handle}`, '{"v":1,"user')
    // Sweeps in quick succession (a bounded store sweeps when it is full) each catch the record mid-write.
    await sessions.sweep(start)
    await sessions.sweep(start + 10)
    expect(await storage.hasItem(`s:${broken.handle}`)).toBe(true)
    await storage.setItem(`s:${rewritten.handle}`, record)
    await sessions.sweep(start + 30_000)
    await storage.setItem(`s:${rewritten.handle}`, '{"v":1,"user')
    await sessions.sweep(start + 59_999)
    expect(await storage.hasItem(`s:${broken.handle}`)).toBe(true)
    await sessions.sweep(start + 60_000)
    expect(await storage.hasItem(`s:${broken.handle}`)).toBe(false)
    expect(await storage.hasItem(`s:${rewritten.handle}`)).toBe(true)
    expect((await sessions.read(live.handle, start + 60_000))?.tokens).toEqual(tokens)
  })
})

describe('a bounded store under one account signing in over and over', () => {
  it('ends that account\'s own sessions, not other users\'', async () => {
    const { sessions } = await service({ maxEntries: 3 })
    const now = Date.now()
    const victim = await sessions.create(tokens, device('victim'), now)
    const mallory = []
    for (let index = 1; index <= 10; index++) mallory.push(await sessions.create(tokens, device('mallory'), now + index))
    expect(await sessions.read(victim.handle, now + 20)).not.toBeNull()
    // Mallory keeps the most recent of hers that fit beside the victim's.
    expect(await Promise.all(mallory.map(async made => (await sessions.read(made.handle, now + 20)) !== null))).toEqual([...Array.from({ length: 8 }, () => false), true, true])
  })
})

describe('the storage setting, checked at start', () => {
  const option = { option: 'auth.sessions.storage', variable: 'NUXT_AUTH_SESSIONS_STORAGE' }
  const storage = createStorage()
  storage.mount('users', createStorage().getMount('').driver)
  storage.mount('cache/sessions', createStorage().getMount('').driver)

  it('accepts the module\'s own storages and the app\'s mounts', () => {
    for (const name of ['redis', 'memory', 'fs', 'users', 'cache/sessions', 'cache:sessions']) {
      expect(() => checkStorageChoice(storage, { storage: name }, option), name).not.toThrow()
    }
  })

  it('refuses anything else, which unstorage would answer from its root memory, naming the variable and the mounts', () => {
    for (const name of ['Redis', 'reddis', 'user', '', ':', 'cache']) {
      expect(() => checkStorageChoice(storage, { storage: name }, option), name).toThrow(`auth.sessions.storage (NUXT_AUTH_SESSIONS_STORAGE) is ${JSON.stringify(name)}, which is neither 'redis', 'memory' nor 'fs' nor a storage mount of this app (its mounts: 'cache:sessions', 'users'). Fix: set one of those; Redis is 'redis', with NUXT_AUTH_SESSIONS_REDIS_URL or REDIS_URL`)
    }
  })

  it('takes the Redis addresses ioredis takes', () => {
    for (const redisUrl of ['redis://127.0.0.1:6379', 'rediss://user:secret@cache.internal:6380/2', 'REDIS://host', 'cache.internal:6379', '/run/redis.sock', '//host:6379']) {
      expect(() => checkStorageChoice(storage, { storage: 'redis', redisUrl }, option), redisUrl).not.toThrow()
    }
  })

  it('refuses a Redis address ioredis cannot use, naming the variable it came from and never its password', () => {
    const refused = { 'http://cache.internal:6379': 'has the scheme http:', 'not a url': 'is no URL', 'redis://:secret@host:port': 'is no URL', 'http://:se@cret@host': 'has the scheme http:', ':secret@host:port': 'is no URL' }
    for (const [redisUrl, problem] of Object.entries(refused)) {
      const check = () => checkStorageChoice(storage, { storage: 'redis', redisUrl }, option)
      expect(check, redisUrl).toThrow(`NUXT_AUTH_SESSIONS_REDIS_URL ${problem}`)
      expect(check, redisUrl).toThrow('Fix: a Redis URL, redis://host:6379 (rediss:// for TLS), or a socket path')
      expect(check, redisUrl).not.toThrow('secret')
    }
    // Without the option's own variable the address is REDIS_URL's.
    const saved = process.env.REDIS_URL
    process.env.REDIS_URL = 'https://cache.internal'
    try {
      expect(() => checkStorageChoice(storage, { storage: 'redis', redisUrl: '' }, option)).toThrow('REDIS_URL has the scheme https:')
    }
    finally {
      if (saved === undefined) delete process.env.REDIS_URL
      else process.env.REDIS_URL = saved
    }
  })
})
