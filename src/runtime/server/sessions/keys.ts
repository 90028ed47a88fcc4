/**
 * The keys of session mode, from `NUXT_AUTH_SESSIONS_SECRET` (one secret, or a comma-separated list: the first
 * seals and signs new sessions, the others still open and verify old ones, so a secret can be rotated without
 * signing anybody out). Each secret gives two keys by HKDF, one per purpose: AES-256-GCM for the tokens at rest,
 * HMAC-SHA-256 for the session cookie.
 */

export const SESSIONS_SECRET_ENV = 'NUXT_AUTH_SESSIONS_SECRET'
/** Shortest secret accepted: 32 characters (e.g. `openssl rand -base64 32` gives 44). */
export const MIN_SECRET_LENGTH = 32

export class SessionKeyError extends Error {
  override readonly name = 'SessionKeyError'
}

interface DerivedKey {
  /** Names the secret in a sealed record (a hash of it, never the secret). */
  id: string
  seal: CryptoKey
  sign: CryptoKey
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

const encoder = new TextEncoder()
const decoder = new TextDecoder()

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url')
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[\w-]*$/.test(text)) return null
  return new Uint8Array(Buffer.from(text, 'base64url'))
}

/** The configured secrets, checked: the message names the variable and how to make a secret. */
export function parseSecrets(configured: string | string[] | undefined, variable = SESSIONS_SECRET_ENV): string[] {
  const secrets = (Array.isArray(configured) ? configured : String(configured ?? '').split(',')).map(secret => secret.trim()).filter(Boolean)
  const short = secrets.findIndex(secret => secret.length < MIN_SECRET_LENGTH)
  if (short >= 0) {
    throw new SessionKeyError(`${variable} has a secret of ${secrets[short]!.length} characters (entry ${short + 1}); each needs at least ${MIN_SECRET_LENGTH}. Make one with: openssl rand -base64 32`)
  }
  return secrets
}

async function derive(secret: string): Promise<DerivedKey> {
  const material = await crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, ['deriveKey'])
  const params = (info: string) => ({ name: 'HKDF', hash: 'SHA-256', salt: encoder.encode('nuxt-gatekeeper sessions'), info: encoder.encode(info) })
  const [seal, sign, id] = await Promise.all([
    crypto.subtle.deriveKey(params('tokens at rest'), material, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']),
    crypto.subtle.deriveKey(params('session cookie'), material, { name: 'HMAC', hash: 'SHA-256', length: 256 }, false, ['sign', 'verify']),
    crypto.subtle.digest('SHA-256', encoder.encode(`key id\n${secret}`)),
  ])
  return { id: base64url(new Uint8Array(id).slice(0, 6)), seal, sign }
}

export async function createSessionKeys(secrets: string[]): Promise<SessionKeys> {
  if (secrets.length === 0) throw new SessionKeyError('No secret given')
  const keys = await Promise.all(secrets.map(derive))
  const current = keys[0]!
  const byId = new Map(keys.map(key => [key.id, key]))
  return {
    async seal(plaintext, context) {
      const iv = crypto.getRandomValues(new Uint8Array(12))
      const ciphertext = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(context) }, current.seal, encoder.encode(plaintext))
      return `${current.id}.${base64url(iv)}.${base64url(new Uint8Array(ciphertext))}`
    },
    knows: sealed => typeof sealed === 'string' && byId.has(sealed.split('.')[0] ?? ''),
    async open(sealed, context) {
      const [id, ivText, dataText, ...rest] = typeof sealed === 'string' ? sealed.split('.') : []
      const key = id ? byId.get(id) : undefined
      const iv = ivText ? fromBase64url(ivText) : null
      const data = dataText ? fromBase64url(dataText) : null
      if (!key || !iv || iv.length !== 12 || !data || rest.length > 0) return null
      try {
        return decoder.decode(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(context) }, key.seal, data))
      }
      catch {
        return null
      }
    },
    async sign(value) {
      return `${value}.${base64url(new Uint8Array(await crypto.subtle.sign('HMAC', current.sign, encoder.encode(value))))}`
    },
    async verify(signed) {
      const dot = signed.lastIndexOf('.')
      const signature = dot > 0 ? fromBase64url(signed.slice(dot + 1)) : null
      if (!signature || signature.length !== 32) return null
      const value = signed.slice(0, dot)
      for (const key of keys) {
        // WebCrypto's verify compares in constant time.
        if (await crypto.subtle.verify('HMAC', key.sign, signature, encoder.encode(value))) return value
      }
      return null
    },
  }
}
