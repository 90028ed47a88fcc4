import { createDecipheriv, createHmac } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import { createSessionKeys, parseSecrets, SessionKeyError } from '../../src/runtime/server/sessions/keys'
import { createProcessLock } from '../../src/runtime/server/sessions/lock'
import { sessionSecrets } from '../../src/runtime/server/sessions/service'

// Counted, not changed: how often the HMAC and AES-GCM work runs.
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>()
  return { ...crypto, createHmac: vi.fn(crypto.createHmac), createDecipheriv: vi.fn(crypto.createDecipheriv) }
})

const OLD = 'old-secret-0123456789abcdef0123456789abcdef'
const NEW = 'new-secret-0123456789abcdef0123456789abcdef'

describe('session keys', () => {
  it('seals tokens that only the same secret and the same record key open', async () => {
    const keys = await createSessionKeys([OLD])
    const sealed = await keys.seal('{"token":"eyJ.secret"}', 's:abc')
    expect(sealed).not.toContain('secret')
    expect(await keys.open(sealed, 's:abc')).toBe('{"token":"eyJ.secret"}')
    // Moved under another key, sealed by another secret, or changed by one byte: nothing opens.
    expect(await keys.open(sealed, 's:abd')).toBeNull()
    expect(await (await createSessionKeys([NEW])).open(sealed, 's:abc')).toBeNull()
    const [id, iv, data] = sealed.split('.') as [string, string, string]
    const flipped = data.slice(0, 5) + (data[5] === 'A' ? 'B' : 'A') + data.slice(6)
    expect(await keys.open(`${id}.${iv}.${flipped}`, 's:abc')).toBeNull()
    expect(await keys.open('garbage', 's:abc')).toBeNull()
    // A fresh IV every time: the same plaintext never seals the same way twice.
    expect(await keys.seal('x', 's:abc')).not.toBe(await keys.seal('x', 's:abc'))
  })

  it('opens records and verifies cookies made the WebCrypto way (HKDF-SHA-256, AES-GCM with its tag appended), as earlier versions made them', async () => {
    // Derived and sealed here with WebCrypto, independently of the module's code, as the version before it did.
    const encoder = new TextEncoder()
    const material = await crypto.subtle.importKey('raw', encoder.encode(OLD), 'HKDF', false, ['deriveKey'])
    const params = (info: string) => ({ name: 'HKDF', hash: 'SHA-256', salt: encoder.encode('nuxt-gatekeeper sessions'), info: encoder.encode(info) })
    const seal = await crypto.subtle.deriveKey(params('tokens at rest'), material, { name: 'AES-GCM', length: 256 }, false, ['encrypt'])
    const sign = await crypto.subtle.deriveKey(params('session cookie'), material, { name: 'HMAC', hash: 'SHA-256', length: 256 }, false, ['sign'])
    const id = Buffer.from(await crypto.subtle.digest('SHA-256', encoder.encode(`key id\n${OLD}`))).subarray(0, 6).toString('base64url')
    const iv = crypto.getRandomValues(new Uint8Array(12))
    const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode('s:abc') }, seal, encoder.encode('{"token":"eyJ.old"}'))
    const sealed = `${id}.${Buffer.from(iv).toString('base64url')}.${Buffer.from(data).toString('base64url')}`
    const cookie = `abc.${Buffer.from(await crypto.subtle.sign('HMAC', sign, encoder.encode('abc'))).toString('base64url')}`
    const keys = await createSessionKeys([OLD])
    expect(await keys.open(sealed, 's:abc')).toBe('{"token":"eyJ.old"}')
    expect(await keys.verify(cookie)).toBe('abc')
    // And the other way round: what the module seals now has the same form (id, 12-byte IV, ciphertext + tag).
    expect(await keys.sign('abc')).toBe(cookie)
  })

  it('rotation: the first secret seals and signs, the others still open and verify', async () => {
    const before = await createSessionKeys([OLD])
    const sealed = await before.seal('tokens', 's:1')
    const cookie = await before.sign('session-id')
    const rotated = await createSessionKeys([NEW, OLD])
    expect(await rotated.open(sealed, 's:1')).toBe('tokens')
    expect(await rotated.verify(cookie)).toBe('session-id')
    const resealed = await rotated.seal('tokens', 's:1')
    expect(await (await createSessionKeys([NEW])).open(resealed, 's:1')).toBe('tokens')
    expect(await before.open(resealed, 's:1')).toBeNull()
  })

  it('verifies signed cookies and refuses forged ones', async () => {
    const keys = await createSessionKeys([OLD])
    const cookie = await keys.sign('abc')
    expect(await keys.verify(cookie)).toBe('abc')
    const [value, signature] = cookie.split('.') as [string, string]
    expect(await keys.verify(`abd.${signature}`)).toBeNull()
    expect(await keys.verify(`${value}.${signature.slice(0, -2)}AA`)).toBeNull()
    expect(await keys.verify(value)).toBeNull()
    expect(await keys.verify(await (await createSessionKeys([NEW])).sign('abc'))).toBeNull()
  })

  it('verifies a cookie and opens a record once per process, not per request; a forged value is checked every time', async () => {
    const keys = await createSessionKeys([OLD])
    const cookie = await keys.sign('abc')
    const sealed = await keys.seal('{"token":"t"}', 's:abc')
    vi.mocked(createHmac).mockClear()
    vi.mocked(createDecipheriv).mockClear()
    for (let request = 0; request < 3; request++) {
      expect(await keys.verify(cookie)).toBe('abc')
      expect(await keys.open(sealed, 's:abc')).toBe('{"token":"t"}')
    }
    expect([vi.mocked(createHmac).mock.calls.length, vi.mocked(createDecipheriv).mock.calls.length]).toEqual([1, 1])
    // What was remembered answers only for the same value and record key.
    expect(await keys.open(sealed, 's:abd')).toBeNull()
    const forged = `abd.${cookie.split('.')[1]}`
    for (let request = 0; request < 3; request++) expect(await keys.verify(forged)).toBeNull()
    expect(vi.mocked(createHmac).mock.calls.length).toBe(4)
  })

  it('one cookie value per session: another spelling of the same signature bytes is refused', async () => {
    // 32 bytes take 43 base64url characters; the last one carries 2 unused bits. A lenient decoder reads the
    // 3 other settings of those bits as the same bytes, so an edited cookie would still verify (the e2e test's
    // "flip the last character" did so once in 16 runs).
    const keys = await createSessionKeys([OLD])
    const cookie = await keys.sign('abc')
    const [value, signature] = cookie.split('.') as [string, string]
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = alphabet.indexOf(signature.at(-1)!)
    const respellings = [1, 2, 3].map(unused => `${value}.${signature.slice(0, -1)}${alphabet[last | unused]}`)
    for (const respelled of respellings) {
      expect(Buffer.from(respelled.split('.')[1]!, 'base64url')).toEqual(Buffer.from(signature, 'base64url'))
      expect(await keys.verify(respelled)).toBeNull()
    }
    // Padding is not part of the format either.
    expect(await keys.verify(`${cookie}=`)).toBeNull()
  })

  it('a missing secret stops production with the variable and how to make one; short secrets are refused', () => {
    expect(() => sessionSecrets({ secret: '' }, { dev: false })).toThrow(/NUXT_AUTH_SESSIONS_SECRET.*openssl rand -base64 32/)
    expect(() => sessionSecrets({ secret: '' }, { dev: false, variable: 'NUXT_AUTH_SHARED_STATE_SECRET', option: 'auth.sharedState' })).toThrow(/auth\.sharedState.*NUXT_AUTH_SHARED_STATE_SECRET/)
    expect(sessionSecrets({ secret: '' }, { dev: false, prerender: true })).toHaveLength(1)
    expect(() => parseSecrets(`${NEW},short`)).toThrow(SessionKeyError)
    expect(() => parseSecrets('short')).toThrow(/entry 1.*at least 32/)
    expect(parseSecrets(` ${NEW} , ${OLD} `)).toEqual([NEW, OLD])
  })
})

describe('the process lock (memory and fs storage)', () => {
  it('one holder at a time; a waiter gets it once released', async () => {
    const lock = createProcessLock(1000)
    const release = await lock.acquire('s:1')
    expect(release).not.toBeNull()
    expect(await lock.acquire('s:1', { wait: false })).toBeNull()
    expect(await lock.acquire('s:2', { wait: false })).not.toBeNull()
    const waiting = lock.acquire('s:1')
    await release!()
    expect(await waiting).not.toBeNull()
  })

  it('a holder that died blocks the name only until the lock expires, and its late release frees nothing', async () => {
    const lock = createProcessLock(50)
    const dead = await lock.acquire('s:1')
    const next = await lock.acquire('s:1')
    expect(next).not.toBeNull()
    await dead!()
    expect(await lock.acquire('s:1', { wait: false })).toBeNull()
    await next!()
    expect(await lock.acquire('s:1', { wait: false })).not.toBeNull()
  })
})
