import { SignJWT, decodeJwt } from 'jose'
import { DEV_JWT_SECRET } from '../../playground/server/utils/dev-secret'

/** The same access token of the playground's backend, but already expired: what a browser holds after a while away. */
export async function expiredCopy(token: string, lifetimeSeconds: number): Promise<string> {
  const claims = decodeJwt(token)
  const now = Math.floor(Date.now() / 1000)
  return await new SignJWT({ ...claims, iat: now - lifetimeSeconds - 10, exp: now - 10 })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(DEV_JWT_SECRET))
}

/** The same access token with `secondsLeft` of its `lifetimeSeconds` left: within the lead a renewal ahead of expiry takes. */
export async function nearlyExpiredCopy(token: string, lifetimeSeconds: number, secondsLeft: number): Promise<string> {
  const claims = decodeJwt(token)
  const now = Math.floor(Date.now() / 1000)
  return await new SignJWT({ ...claims, iat: now - lifetimeSeconds + secondsLeft, exp: now + secondsLeft })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(DEV_JWT_SECRET))
}
