import { fileURLToPath } from 'node:url'
import { SignJWT, decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEV_JWT_SECRET } from '../../playground/server/utils/dev-secret'
import { Backend, newUser } from './helpers'
import { onFreePort, serveBuilt } from './serve'
import { expiredCopy } from './tokens'

// auth.jwtVerification: the server verifies access tokens itself, no backend session call. The built local
// fixture served twice more, configured from the environment only: with the playground backend's HS256 secret,
// and with the JWKS of the fixture's own test issuer (ES256, rotating keys; server/utils/test-issuer.ts).
const fixtureDir = fileURLToPath(new URL('../fixtures/local', import.meta.url))
const SESSION = 'GET /api/auth/session'

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
/** An unsigned token (`alg: none`) with the claims of `token`: what an attacker sends hoping `none` is accepted. */
const unsignedCopy = (token: string) => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(decodeJwt(token))}.`

describe('local JWT verification with a shared secret', () => {
  let server: Awaited<ReturnType<typeof serveBuilt>>
  let backend: Backend
  beforeAll(async () => {
    server = await serveBuilt(fixtureDir, { NUXT_AUTH_JWT_VERIFICATION_SECRET: DEV_JWT_SECRET }, { readyPath: '/api/_test/counters' })
    backend = new Backend(server.baseURL)
  })
  afterAll(() => server?.stop())
  const whoami = (headers: Record<string, string>) => fetch(`${server.baseURL}/api/_test/whoami`, { headers })

  it('a valid token: the session from its claims, in API routes and SSR, with no backend session call', async () => {
    const user = newUser()
    await backend.register(user)
    const token = await backend.login(user.email, user.password)
    await backend.reset()
    expect(await (await whoami({ authorization: `Bearer ${token}` })).json()).toEqual({ email: user.email })
    const page = await fetch(`${server.baseURL}/profile`, { headers: { cookie: `auth.token=${token}` }, redirect: 'manual' })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain(user.email)
    expect(await backend.count(SESSION)).toBe(0)
  })

  it('tampered, expired, unsigned (alg: none) or foreign tokens are a 401, never a 500; SSR signs out and drops the cookie', async () => {
    const user = newUser()
    await backend.register(user)
    const token = await backend.login(user.email, user.password)
    const [header, , signature] = token.split('.') as [string, string, string]
    const claims = decodeJwt(token)
    const tampered = `${header}.${base64url({ ...claims, email: 'someone-else@example.test' })}.${signature}`
    const foreign = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('another secret entirely'))
    for (const [name, bad] of Object.entries({ tampered, expired: await expiredCopy(token, 1800), unsigned: unsignedCopy(token), foreign, garbage: 'not-a-jwt' })) {
      const response = await whoami({ authorization: `Bearer ${bad}` })
      expect(response.status, name).toBe(401)
      expect((await response.json()).data.authError.code, name).toBe('UNAUTHORIZED')
    }
    const page = await fetch(`${server.baseURL}/profile`, { headers: { cookie: `auth.token=${tampered}` }, redirect: 'manual' })
    expect(page.status).toBe(302)
    expect(new URL(page.headers.get('location')!, server.baseURL).pathname).toBe('/login')
    expect(page.headers.getSetCookie().join()).toMatch(/auth\.token=; Max-Age=0/)
  })
})

describe('local JWT verification with a typ required (from the environment)', () => {
  let server: Awaited<ReturnType<typeof serveBuilt>>
  let backend: Backend
  beforeAll(async () => {
    server = await serveBuilt(fixtureDir, { NUXT_AUTH_JWT_VERIFICATION_SECRET: DEV_JWT_SECRET, NUXT_AUTH_JWT_VERIFICATION_TYP: 'at+jwt' }, { readyPath: '/api/_test/counters' })
    backend = new Backend(server.baseURL)
  })
  afterAll(() => server?.stop())

  it('only a token with that typ is a session; the same claims and key with another typ are a 401', async () => {
    const user = newUser()
    await backend.register(user)
    const claims = decodeJwt(await backend.login(user.email, user.password))
    const key = new TextEncoder().encode(DEV_JWT_SECRET)
    const typed = async (typ?: string) => await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', ...(typ ? { typ } : {}) }).sign(key)
    const whoami = (token: string) => fetch(`${server.baseURL}/api/_test/whoami`, { headers: { authorization: `Bearer ${token}` } })
    expect(await (await whoami(await typed('at+jwt'))).json()).toEqual({ email: user.email })
    for (const typ of ['JWT', undefined]) {
      const response = await whoami(await typed(typ))
      expect(response.status, String(typ)).toBe(401)
      expect((await response.json()).data.authError.code, String(typ)).toBe('UNAUTHORIZED')
    }
  })
})

describe('local JWT verification with a JWKS', () => {
  let server: Awaited<ReturnType<typeof serveBuilt>>
  beforeAll(async () => {
    server = await onFreePort(port => serveBuilt(fixtureDir, {
      NUXT_AUTH_JWT_VERIFICATION_JWKS_URL: `http://127.0.0.1:${port}/api/_test/jwks`,
      NUXT_AUTH_JWT_VERIFICATION_ISSUER: 'https://issuer.test',
      NUXT_AUTH_JWT_VERIFICATION_AUDIENCE: 'gatekeeper-test',
      // The default jwksCooldownSeconds (30): a rotation must be picked up within it all the same.
    }, { port, readyPath: '/api/_test/counters' }))
  })
  afterAll(() => server?.stop())
  const issuer = async (body: Record<string, unknown>) => await (await fetch(`${server.baseURL}/api/_test/issuer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()
  const mint = async (body: Record<string, unknown> = {}) => (await issuer({ mint: { email: 'ada@issuer.test', name: 'Ada' }, ...body })).token as string
  const whoami = (token: string) => fetch(`${server.baseURL}/api/_test/whoami`, { headers: { authorization: `Bearer ${token}` } })

  it('verifies with the issuer\'s keys, fetched once and cached; a rotated key is picked up, the retired one refused', async () => {
    const first = await mint()
    expect(await (await whoami(first)).json()).toEqual({ email: 'ada@issuer.test' })
    expect(await (await whoami(first)).json()).toEqual({ email: 'ada@issuer.test' })
    expect((await issuer({})).jwksFetches).toBe(1)

    const { kid } = await issuer({ rotate: true }) as { kid: string }
    const second = await mint()
    expect(JSON.parse(Buffer.from(second.split('.')[0]!, 'base64url').toString()).kid).toBe(kid)
    expect((await whoami(second)).status).toBe(200)
    expect((await issuer({})).jwksFetches).toBe(2)
    expect((await whoami(first)).status).toBe(401)
  })

  it('a wrong audience, an expired token or an unsigned one is a 401', async () => {
    expect((await whoami(await mint({ audience: 'another-api' }))).status).toBe(401)
    expect((await whoami(await mint({ expiresIn: '-1 minute' }))).status).toBe(401)
    expect((await whoami(unsignedCopy(await mint()))).status).toBe(401)
    expect((await whoami(await mint())).status).toBe(200)
  })
})
