import { createHash, randomBytes, randomUUID } from 'node:crypto'

/**
 * Opaque refresh tokens that ROTATE on every use, grouped in families (one per sign-in). Presenting a
 * token that was already used means two parties hold it (a thief, or a client that reused it): the whole
 * family is revoked, as RFC 9700 §4.14.2 recommends. Stored by hash, so a storage dump holds no usable token.
 */
interface StoredRefreshToken {
  family: string
  userId: string
  used: boolean
  /** When it was spent (ms), for the optional reuse grace period. */
  usedAt?: number
  /** Already accepted once more within the grace period: the next reuse is a reuse. */
  graceUsed?: boolean
  expiresAt: number
}

interface Family {
  userId: string
  revoked: boolean
  refreshes: number
}

/** What the demo counts, for the playground page and the tests. */
export const refreshStats = { refreshes: 0, reuseDetections: 0, graceReuses: 0 }

const storage = () => useStorage<StoredRefreshToken>('refresh-tokens')
const families = () => useStorage<Family>('refresh-families')
const hash = (token: string) => createHash('sha256').update(token).digest('hex')

/** Refresh tokens live this long (seconds); matches the module's refresh cookie in nuxt.config. */
export const REFRESH_TTL_SECONDS = 7 * 24 * 3600

async function mint(family: string, userId: string): Promise<string> {
  const token = randomBytes(32).toString('base64url')
  await storage().setItem(hash(token), { family, userId, used: false, expiresAt: Date.now() + REFRESH_TTL_SECONDS * 1000 })
  return token
}

/** A new family for a fresh sign-in. */
export async function issueRefreshToken(userId: string): Promise<{ refreshToken: string, family: string }> {
  const family = randomUUID()
  await families().setItem(family, { userId, revoked: false, refreshes: 0 })
  return { refreshToken: await mint(family, userId), family }
}

export type RotationResult
  = | { ok: true, refreshToken: string, family: string, userId: string, refreshes: number }
    | { ok: false, reason: 'unknown' | 'expired' | 'revoked' | 'reused' }

/**
 * Spends `token` and returns its successor, or says why not (a reuse revokes the family).
 *
 * `reuseGraceSeconds` (off by default; runtimeConfig `refreshReuseGraceSeconds`, env
 * NUXT_REFRESH_REUSE_GRACE_SECONDS): a token spent less than this long ago is accepted once more and gets a
 * successor of its own, as large identity providers offer ("reuse interval", "grace period"). It covers the
 * one window a client cannot close: a page reload whose server-side refresh races a refresh another tab has
 * in flight with the same token.
 */
export async function rotateRefreshToken(token: string, options: { reuseGraceSeconds?: number } = {}): Promise<RotationResult> {
  return await oneAtATime(hash(token), () => rotate(token, options))
}

// Storage has no compare-and-set: a read, a check and a write of one token must not interleave with another
// request's, or ten concurrent uses of one token would each find it unused and each get a successor.
// One process serialises per token here; several processes would need an atomic store (Redis SET NX, SQL).
const rotating = new Map<string, Promise<unknown>>()

async function oneAtATime<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = rotating.get(key) ?? Promise.resolve()
  const current = previous.then(task, task)
  const settled = current.then(() => {}, () => {})
  rotating.set(key, settled)
  try {
    return await current
  }
  finally {
    if (rotating.get(key) === settled) rotating.delete(key)
  }
}

async function rotate(token: string, { reuseGraceSeconds = 0 }: { reuseGraceSeconds?: number }): Promise<RotationResult> {
  const key = hash(token)
  const stored = await storage().getItem(key)
  if (!stored) return { ok: false, reason: 'unknown' }
  const family = await families().getItem(stored.family)
  if (!family || family.revoked) return { ok: false, reason: 'revoked' }
  const inGrace = stored.used && !stored.graceUsed && stored.usedAt !== undefined && Date.now() - stored.usedAt <= reuseGraceSeconds * 1000
  if (inGrace) {
    refreshStats.graceReuses += 1
    await storage().setItem(key, { ...stored, graceUsed: true })
  }
  else if (stored.used) {
    refreshStats.reuseDetections += 1
    await families().setItem(stored.family, { ...family, revoked: true })
    return { ok: false, reason: 'reused' }
  }
  if (stored.expiresAt <= Date.now()) return { ok: false, reason: 'expired' }
  // Marked before the successor exists: a concurrent second use of the same token finds it used.
  if (!stored.used) await storage().setItem(key, { ...stored, used: true, usedAt: Date.now() })
  const refreshes = family.refreshes + 1
  await families().setItem(stored.family, { ...family, refreshes })
  refreshStats.refreshes += 1
  return { ok: true, refreshToken: await mint(stored.family, stored.userId), family: stored.family, userId: stored.userId, refreshes }
}

export async function revokeFamily(family: string): Promise<void> {
  const entry = await families().getItem(family)
  if (entry) await families().setItem(family, { ...entry, revoked: true })
}

/** Sign-out with only a refresh token in hand (the access token may have expired): revoke its family. */
export async function revokeFamilyOf(token: string): Promise<void> {
  const stored = await storage().getItem(hash(token))
  if (stored) await revokeFamily(stored.family)
}

export async function isFamilyActive(family: string): Promise<boolean> {
  const entry = await families().getItem(family)
  return Boolean(entry && !entry.revoked)
}

export async function familyRefreshCount(family: string): Promise<number> {
  return (await families().getItem(family))?.refreshes ?? 0
}
