import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { H3Event } from 'h3'
import { SignJWT, jwtVerify } from 'jose'
import { BENCH_PASSWORD, BENCH_SECRET, BENCH_USERS } from '../../../fixtures.mjs'

const key = new TextEncoder().encode(BENCH_SECRET)

/**
 * The backend's knobs and what it counted. `rotate: false` hands back the same refresh token: the SSR
 * throughput run uses it, so a module that refreshes on every request is measured rendering pages
 * rather than redirecting after its first spent token.
 */
export const backendState = {
  accessTtl: 1800,
  rotate: true,
  counters: new Map<string, number>(),
  reuseDetections: 0,
  /** Each reuse: who spent the token first and who presented it again (a page render on the server, or a browser tab). */
  reuseLog: [] as Array<{ first: string, again: string, msBetween: number }>,
}

interface RefreshRecord { userId: string, family: string, spent: boolean, spentBy?: string, spentAt?: number }
const refreshTokens = new Map<string, RefreshRecord>()
const revokedFamilies = new Set<string>()

const hash = (value: string) => createHash('sha256').update(value).digest('base64url')

export function findUser(username: unknown, password: unknown) {
  if (password !== BENCH_PASSWORD) return undefined
  return BENCH_USERS.find(user => user.username === username)
}

async function accessToken(userId: string, family: string) {
  const user = BENCH_USERS.find(candidate => candidate.id === userId)!
  return await new SignJWT({ name: user.name, fam: family })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user.id)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(`${backendState.accessTtl}s`)
    .sign(key)
}

function newRefreshToken(userId: string, family: string) {
  const token = randomBytes(32).toString('base64url')
  refreshTokens.set(hash(token), { userId, family, spent: false })
  return token
}

export async function issueTokens(userId: string) {
  const family = randomUUID()
  return { token: await accessToken(userId, family), refreshToken: newRefreshToken(userId, family) }
}

/** Rotation with reuse detection (RFC 9700 §4.14.2): a spent token revokes its whole family. */
export async function rotate(refreshToken: string, presentedBy = 'unknown') {
  const record = refreshTokens.get(hash(refreshToken))
  if (!record || revokedFamilies.has(record.family)) return null
  if (record.spent) {
    backendState.reuseDetections++
    backendState.reuseLog.push({ first: record.spentBy ?? 'unknown', again: presentedBy, msBetween: Date.now() - (record.spentAt ?? 0) })
    revokedFamilies.add(record.family)
    return null
  }
  if (!backendState.rotate) return { token: await accessToken(record.userId, record.family), refreshToken }
  record.spent = true
  record.spentBy = presentedBy
  record.spentAt = Date.now()
  return { token: await accessToken(record.userId, record.family), refreshToken: newRefreshToken(record.userId, record.family) }
}

/** The user behind `Authorization: Bearer <jwt>`, or a 401. */
export async function requireUser(event: H3Event) {
  const match = getRequestHeader(event, 'authorization')?.match(/^Bearer\s+(\S+)$/i)
  try {
    const { payload } = await jwtVerify(match?.[1] ?? '', key, { algorithms: ['HS256'] })
    const user = BENCH_USERS.find(candidate => candidate.id === payload.sub)
    if (user && typeof payload.fam === 'string' && !revokedFamilies.has(payload.fam)) return { user, family: payload.fam }
  }
  catch {
    // Any verification failure is the same 401 below.
  }
  throw createError({ statusCode: 401, statusMessage: 'Unauthorized' })
}

export function revokeFamily(family: string) {
  revokedFamilies.add(family)
}
