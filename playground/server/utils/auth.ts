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

/**
 * The backend's clock, in epoch seconds: this machine's, moved by `runtimeConfig.backendClockSkewSeconds` (env
 * `NUXT_BACKEND_CLOCK_SKEW_SECONDS`, e.g. -600 for a backend ten minutes behind the app server). Tokens state their
 * `iat` and `exp` in it and are checked against it, as a backend on another machine would: the module must judge
 * expiry by the issuer's clock, not by its own.
 */
export function backendNowSeconds(): number {
  const skew = Number(useRuntimeConfig().backendClockSkewSeconds) || 0
  return Math.floor(Date.now() / 1000) + skew
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
  const now = backendNowSeconds()
  return await new SignJWT({ name: user.name, email: user.email, fam: family })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user.id)
    .setIssuedAt(now)
    .setExpirationTime(now + accessTokenTtlSeconds())
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

/** Verified, unrevoked claims of the request's `Authorization: Bearer` token, or null. */
export async function readTokenClaims(event: H3Event): Promise<TokenClaims | null> {
  return await verifyTokenClaims(bearerToken(event))
}

/** Verified, unrevoked claims of `token`, or null (missing, malformed, bad signature, expired, revoked). */
async function verifyTokenClaims(token: string | null): Promise<TokenClaims | null> {
  if (!token) return null
  try {
    // Pinning the algorithm stops a token from choosing its own (e.g. `none`).
    const { payload } = await jwtVerify(token, jwtKey(), { algorithms: ['HS256'], currentDate: new Date(backendNowSeconds() * 1000) })
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

/**
 * The backend's routes (api/auth/*): the signed-in user and their token's claims from the `Bearer` header, as
 * an external backend sees them; throws 401 otherwise.
 */
export async function requireUser(event: H3Event): Promise<{ user: StoredUser, claims: TokenClaims }> {
  return await userWithClaims(event, await readTokenClaims(event))
}

/**
 * The app's own routes, which its pages call with useAuthFetch: the visitor's token as the module holds it for
 * this request (`getServerToken`: the `Bearer` header useAuthFetch sends, or with httpOnly cookies and in session
 * mode the cookie or the server-side session that page scripts never see; refreshed first when due).
 */
export async function requireAppUser(event: H3Event): Promise<{ user: StoredUser, claims: TokenClaims }> {
  // Auth.js keeps its own session and offers no getServerToken: these routes show the token backend only.
  if (useRuntimeConfig().public.playgroundProvider === 'authjs') throw createError({ statusCode: 404, statusMessage: 'The token backend\'s routes are not used with PLAYGROUND_PROVIDER=authjs' })
  return await userWithClaims(event, await verifyTokenClaims(await getServerToken(event)))
}

async function userWithClaims(event: H3Event, claims: TokenClaims | null): Promise<{ user: StoredUser, claims: TokenClaims }> {
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
  const now = backendNowSeconds()
  const storage = revocations()
  for (const key of await storage.getKeys()) {
    const entry = await storage.getItem(key)
    if (!entry || entry.exp <= now) await storage.removeItem(key)
  }
}
