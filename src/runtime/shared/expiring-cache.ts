/**
 * A bounded map whose entries expire. When full, expired entries go first, then the oldest ones, so a burst
 * of new keys never grows memory past `capacity`.
 */
export function createExpiringCache<T>(capacity: number) {
  const entries = new Map<string, { value: T, expiresAt: number }>()

  function makeRoom(now: number) {
    for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key)
    // Maps iterate in insertion order: the first key is the oldest.
    while (entries.size >= capacity) entries.delete(entries.keys().next().value as string)
  }

  return {
    capacity,
    get(key: string, now = Date.now()): T | undefined {
      const entry = entries.get(key)
      if (!entry) return undefined
      if (entry.expiresAt > now) return entry.value
      entries.delete(key)
      return undefined
    },
    set(key: string, value: T, expiresAt: number, now = Date.now()) {
      if (!entries.has(key) && entries.size >= capacity) makeRoom(now)
      entries.set(key, { value, expiresAt })
    },
    /** Deletes the entry only while it still holds `value` (a newer one for the same key stays). */
    deleteIf(key: string, value: T) {
      if (entries.get(key)?.value === value) entries.delete(key)
    },
    delete(key: string) {
      entries.delete(key)
    },
    clear() {
      entries.clear()
    },
    get size() {
      return entries.size
    },
  }
}

export type ExpiringCache<T> = ReturnType<typeof createExpiringCache<T>>

type NodeCrypto = {
  /** One-shot (Node >= 20.12): no Hash object per call, the cheapest way to hash a short string. */
  hash?: (algorithm: string, text: string, encoding: 'hex') => string
  createHash(algorithm: string): { update(text: string): { digest(encoding: 'hex'): string } }
}
// Server code only. Node's hash is synchronous and several times cheaper per call than WebCrypto's promise;
// reached through getBuiltinModule (Node >= 20.16) so no bundler has to resolve `node:crypto`.
// A pure-annotated call, so browser bundles drop it with the functions below.
const nodeCrypto = /* @__PURE__ */ builtinCrypto()

function builtinCrypto(): NodeCrypto | undefined {
  return (globalThis.process as { getBuiltinModule?: (name: string) => unknown } | undefined)?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined
}

/** Hex SHA-256 where Node's crypto is there (synchronous), else undefined (see sha256Hex). */
export function sha256HexSync(text: string): string | undefined {
  if (nodeCrypto?.hash) return nodeCrypto.hash('sha256', text, 'hex')
  if (nodeCrypto) return nodeCrypto.createHash('sha256').update(text).digest('hex')
  return undefined
}

/** Hex SHA-256: cache keys derived from tokens never hold the token itself. */
export async function sha256Hex(text: string): Promise<string> {
  const hex = sha256HexSync(text)
  if (hex !== undefined) return hex
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return Array.from(new Uint8Array(digest), byte => byte.toString(16).padStart(2, '0')).join('')
}
