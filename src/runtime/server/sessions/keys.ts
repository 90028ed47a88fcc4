/**
 * The keys of session mode, from `NUXT_AUTH_SESSIONS_SECRET` (one secret, or a comma-separated list: the first
 * seals and signs new sessions, the others still open and verify old ones, so a secret can be rotated without
 * signing anybody out). Each secret gives two keys by HKDF, one per purpose: AES-256-GCM for the tokens at rest,
 * HMAC-SHA-256 for the session cookie.
 *
 * Node's crypto, synchronous: every request with a session cookie verifies it and opens its record, and WebCrypto's
 * promise per operation (a thread-pool round trip each) cost session mode a tenth of its page renders. The
 * formats are WebCrypto's (HKDF-SHA-256 keys, AES-GCM ciphertext followed by its 16-byte tag), so records sealed
 * by an earlier version still open.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import { createExpiringCache } from '../../shared/expiring-cache'

export const SESSIONS_SECRET_ENV = 'NUXT_AUTH_SESSIONS_SECRET'
/** Shortest secret accepted: 32 characters (e.g. `openssl rand -base64 32` gives 44). */
export const MIN_SECRET_LENGTH = 32

export class SessionKeyError extends Error {
  override readonly name = 'SessionKeyError'
}

interface DerivedKey {
  /** Names the secret in a sealed record (a hash of it, never the secret). */
  id: string
  seal: Buffer
  sign: Buffer
}

export interface SessionKeys {
  /** Encrypts `plaintext`, bound to `context` (the record's key): a record moved under another id does not open. */
  seal(plaintext: string, context: string): Promise<string>
  /** Whether the secret `sealed` names is one of the configured ones (else `open` cannot tell tampering from rotation). */
  knows(sealed: string): boolean
  /** The plaintext, or null when it does not open (tampered, moved, or sealed under a secret not configured). */
  open(sealed: string, context: string): Promise<string | null>
  /** `value.signature` for the cookie. */
  sign(value: string): Promise<string>
  /** The value of a signed cookie, or null when no configured secret signed it. */
  verify(signed: string): Promise<string | null>
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url')
}

/**
 * The bytes of canonical base64url only: Node's decoder ignores a last character's unused bits and stray
 * characters, which would let one signature be spelled several ways (an edited cookie that still verifies).
 */
function fromBase64url(text: string): Buffer | null {
  const bytes = Buffer.from(text, 'base64url')
  return base64url(bytes) === text ? bytes : null
}

const TAG_BYTES = 16

/** The configured secrets, checked: the message names the variable and how to make a secret. */
export function parseSecrets(configured: string | string[] | undefined, variable = SESSIONS_SECRET_ENV): string[] {
  const secrets = (Array.isArray(configured) ? configured : String(configured ?? '').split(',')).map(secret => secret.trim()).filter(Boolean)
  const short = secrets.findIndex(secret => secret.length < MIN_SECRET_LENGTH)
  if (short >= 0) {
    throw new SessionKeyError(`${variable} has a secret of ${secrets[short]!.length} characters (entry ${short + 1}); each needs at least ${MIN_SECRET_LENGTH}. Make one with: openssl rand -base64 32`)
  }
  return secrets
}

function derive(secret: string): DerivedKey {
  const key = (info: string) => Buffer.from(hkdfSync('sha256', secret, 'nuxt-gatekeeper sessions', info, 32))
  const id = createHash('sha256').update(`key id\n${secret}`).digest().subarray(0, 6)
  return { id: base64url(id), seal: key('tokens at rest'), sign: key('session cookie') }
}

/** How many verified cookies and opened records each process remembers (see createSessionKeys). */
const REMEMBERED = 2_000

export async function createSessionKeys(secrets: string[]): Promise<SessionKeys> {
  if (secrets.length === 0) throw new SessionKeyError('No secret given')
  const keys = secrets.map(derive)
  const current = keys[0]!
  const byId = new Map(keys.map(key => [key.id, key]))
  const mac = (key: DerivedKey, value: string) => createHmac('sha256', key.sign).update(value).digest()
  // What a cookie or a sealed record says never changes for this process's keys, and a visitor sends the same cookie
  // and reads the same record with every page: the HMAC and AES-GCM work is done once per value, not per request.
  // Only successes are kept (a forged value costs its sender the work each time), and the record itself is still
  // read on every request (from storage, or a copy kept until it changes: record-memo.ts), so a revoked session ends
  // at once.
  const verified = createExpiringCache<string>(REMEMBERED)
  // Keyed by the sealed value itself, its context beside it: a key made of both would be a new string of the
  // record's size, allocated and hashed on every request.
  const opened = createExpiringCache<{ context: string, plaintext: string }>(REMEMBERED)
  const remember = (cache: typeof verified, key: string, value: string) => {
    cache.set(key, value, Number.POSITIVE_INFINITY)
    return value
  }
  return {
    async seal(plaintext, context) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', current.seal, iv).setAAD(Buffer.from(context))
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()])
      return `${current.id}.${base64url(iv)}.${base64url(ciphertext)}`
    },
    knows: (sealed) => {
      if (typeof sealed !== 'string') return false
      const dot = sealed.indexOf('.')
      return byId.has(dot < 0 ? sealed : sealed.slice(0, dot))
    },
    async open(sealed, context) {
      const known = typeof sealed === 'string' ? opened.get(sealed) : undefined
      if (known?.context === context) return known.plaintext
      const [id, ivText, dataText, ...rest] = typeof sealed === 'string' ? sealed.split('.') : []
      const key = id ? byId.get(id) : undefined
      const iv = ivText ? fromBase64url(ivText) : null
      const data = dataText ? fromBase64url(dataText) : null
      if (!key || !iv || iv.length !== 12 || !data || data.length < TAG_BYTES || rest.length > 0) return null
      try {
        const decipher = createDecipheriv('aes-256-gcm', key.seal, iv).setAAD(Buffer.from(context)).setAuthTag(data.subarray(data.length - TAG_BYTES))
        const plaintext = Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]).toString('utf8')
        opened.set(sealed, { context, plaintext }, Number.POSITIVE_INFINITY)
        return plaintext
      }
      catch {
        return null
      }
    },
    async sign(value) {
      return `${value}.${base64url(mac(current, value))}`
    },
    async verify(signed) {
      const known = verified.get(signed)
      if (known !== undefined) return known
      const dot = signed.lastIndexOf('.')
      const signature = dot > 0 ? fromBase64url(signed.slice(dot + 1)) : null
      if (!signature || signature.length !== 32) return null
      const value = signed.slice(0, dot)
      for (const key of keys) {
        if (timingSafeEqual(mac(key, value), signature)) return remember(verified, signed, value)
      }
      return null
    },
  }
}
