import { randomUUID } from 'node:crypto'
import type { H3Event } from 'h3'
import { SignJWT, jwtVerify, type JWTPayload } from 'jose'
import type { StoredUser } from './users'

/**
 * Access-token lifetime: `runtimeConfig.accessTokenTtl` (env `NUXT_ACCESS_TOKEN_TTL`), short by default so
 * the playground shows refreshes; the refresh token (utils/refresh-tokens.ts) keeps the session going.
 */
export function accessTokenTtlSeconds(): number {
  const configured = Number(useRuntimeConfig().accessTokenTtl)
  return Number.isFinite(configured) && configured > 0 ? configured : 60
}

let warnedAboutDefaultSecret = false
let cachedKey: { secret: string, key: Uint8Array } | undefined

/** The HS256 key from `runtimeConfig.jwtSecret` (env `NUXT_JWT_SECRET`), else the dev default. */
export function jwtKey(): Uint8Array {
  const configured = String(useRuntimeConfig().jwtSecret || '')
  const secret = configured || DEV_JWT_SECRET
  if (secret === DEV_JWT_SECRET && !import.meta.dev && !warnedAboutDefaultSecret) {
    warnedAboutDefaultSecret = true
    console.warn('[playground] NUXT_JWT_SECRET is not set: tokens are signed with the public dev-only secret. Set NUXT_JWT_SECRET to a long random string before exposing this server.')
  }
  if (cachedKey?.secret !== secret) cachedKey = { secret, key: new TextEncoder().encode(secret) }
  return cachedKey.key
}

export interface TokenClaims extends JWTPayload {
  sub: string
  jti: string
  iat: number
  exp: number
  name: string
  email: string
  /** The refresh-token family of the sign-in this token belongs to: sign-out revokes it. */
  fam: string
}

export async function signToken(user: StoredUser, family: string): Promise<string> {
  return await new SignJWT({ name: user.name, email: user.email, fam: family })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user.id)
    .setIssuedAt()
    .setExpirationTime(`${accessTokenTtlSeconds()}s`)
    // A unique id per token is what sign-out revokes: a stateless JWT cannot be "deleted" otherwise.
    .setJti(randomUUID())
    .sign(jwtKey())
}

/** The token from `Authorization: Bearer <jwt>`, or null. */
export function bearerToken(event: H3Event): string | null {
  const header = getRequestHeader(event, 'authorization')
  const match = header?.match(/^Bearer\s+(\S+)$/i)
  return match?.[1] ?? null
}

/** Verified, unrevoked claims of the request's token, or null (missing, malformed, bad signature, expired, revoked). */
export async function readTokenClaims(event: H3Event): Promise<TokenClaims | null> {
  const token = bearerToken(event)
  if (!token) return null
  try {
    // Pinning the algorithm stops a token from choosing its own (e.g. `none`).
    const { payload } = await jwtVerify(token, jwtKey(), { algorithms: ['HS256'] })
    if (typeof payload.sub !== 'string' || typeof payload.jti !== 'string' || typeof payload.exp !== 'number' || typeof payload.iat !== 'number') return null
    if (await isRevoked(payload.jti)) return null
    // A revoked family (sign-out, refresh-token reuse) ends its access tokens too.
    if (typeof payload.fam !== 'string' || !(await isFamilyActive(payload.fam))) return null
    return payload as TokenClaims
  }
  catch {
    return null
  }
}

/** The signed-in user and their token's claims; throws 401 otherwise. For every protected API route. */
export async function requireUser(event: H3Event): Promise<{ user: StoredUser, claims: TokenClaims }> {
  const claims = await readTokenClaims(event)
  // The user may have been deleted since the token was issued: a valid signature is not enough.
  const user = claims ? await findUserById(claims.sub) : null
  if (!claims || !user) {
    setResponseHeader(event, 'WWW-Authenticate', 'Bearer')
    throw createError({ statusCode: 401, statusMessage: 'Unauthorized' })
  }
  return { user, claims }
}

// Revoked token ids live in memory (the `revoked` mount): a restart forgets them, which is acceptable
// for a demo because tokens live 30 minutes. Use a shared store (Redis, a database) with several servers.
function revocations() {
  return useStorage<{ exp: number }>('revoked')
}

export async function revokeToken(claims: TokenClaims): Promise<void> {
  await revocations().setItem(claims.jti, { exp: claims.exp })
  await pruneRevocations()
}

async function isRevoked(jti: string): Promise<boolean> {
  return await revocations().hasItem(jti)
}

/** Expired tokens fail verification anyway, so their revocation entries are dead weight. */
async function pruneRevocations(): Promise<void> {
  const now = Math.floor(Date.now() / 1000)
  const storage = revocations()
  for (const key of await storage.getKeys()) {
    const entry = await storage.getItem(key)
    if (!entry || entry.exp <= now) await storage.removeItem(key)
  }
}
