import { decodeJwt } from 'jose'
import { beforeEach, describe, expect, inject, it } from 'vitest'
import { Backend, newUser } from './helpers'
import { expiredCopy as expiredFor } from './tokens'

const expiredCopy = (token: string) => expiredFor(token, 90)

// Bad cookies and tokens sent straight to SSR: never a 500, and the state ends where it should
// (signed in when a valid token or refresh token is there, sent to login otherwise).
const baseURL = inject('refreshBaseURL')
const backend = new Backend(baseURL)

beforeEach(async () => {
  await backend.reset()
})

async function credentials() {
  const user = newUser()
  await backend.register(user)
  const response = await fetch(`${baseURL}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: user.email, password: user.password }) })
  return { user, ...(await response.json() as { token: string, refreshToken: string }) }
}

function unsignedJwt(claims: Record<string, unknown>) {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`
}

async function render(cookies: Record<string, string>, headers: Record<string, string> = {}) {
  const cookie = Object.entries(cookies).map(([name, value]) => `${name}=${value}`).join('; ')
  const response = await fetch(`${baseURL}/profile`, { headers: { ...headers, cookie }, redirect: 'manual' })
  return { status: response.status, location: response.headers.get('location'), html: await response.text(), setCookie: response.headers.getSetCookie() }
}

describe('bad cookies and tokens during SSR', () => {
  it('garbage, truncated, alg:none, oversized and orphaned tokens: login page, never a 500', async () => {
    const { token, user } = await credentials()
    const claims = decodeJwt(token)
    const cases: Array<[string, Record<string, string>]> = [
      ['garbage token', { 'auth.token': 'not-a-token' }],
      ['truncated JWT', { 'auth.token': token.slice(0, token.length - 20) }],
      ['JWT without signature', { 'auth.token': token.split('.').slice(0, 2).join('.') }],
      ['alg none', { 'auth.token': unsignedJwt({ ...claims, exp: Math.floor(Date.now() / 1000) + 600 }) }],
      ['8 KB cookie', { 'auth.token': 'x'.repeat(8 * 1024) }],
      ['percent garbage', { 'auth.token': '%E0%A4%A' }],
      // Decoded, these cannot go into an Authorization header: no token, not a network error.
      ['a line feed', { 'auth.token': 'a%0Ab' }],
      ['a carriage return', { 'auth.token': 'a%0Db' }],
      ['a NUL', { 'auth.token': 'a%00b' }],
      ['non-Latin-1 text', { 'auth.token': 'a%E2%82%ACb' }],
      ['a line feed in the refresh token too', { 'auth.token': 'a%0Ab', 'auth.refresh-token': 'r%0Ar' }],
      ['expired JWT, no refresh cookie', { 'auth.token': await expiredCopy(token) }],
      ['garbage refresh cookie only', { 'auth.refresh-token': 'forged' }],
      ['expired JWT and forged refresh token', { 'auth.token': await expiredCopy(token), 'auth.refresh-token': 'forged' }],
    ]
    for (const [label, cookies] of cases) {
      const result = await render(cookies)
      expect(result.status, label).toBe(302)
      expect(result.location, label).toBe('/login?redirect=/profile')
      expect(result.html, label).not.toContain(user.email)
      // What the browser sent is cleared, so the next request starts clean.
      for (const name of Object.keys(cookies)) {
        expect(result.setCookie.some(header => header.startsWith(`${name}=;`)), `${label}: ${name} cleared`).toBe(true)
      }
    }
  })

  it('no verdict (backend failing, an answer the app cannot hold): no protected page, login with the target, cookies kept, nothing cached', async () => {
    for (const fault of ['500', 'html', 'proto', 'deep', 'trickle']) {
      // A user of its own per fault: the healthy render below puts the session into the server's cache.
      const { token, refreshToken, user } = await credentials()
      await backend.fault('/api/auth/session', fault)
      const result = await render({ 'auth.token': token, 'auth.refresh-token': refreshToken })
      expect(result.status, fault).toBe(302)
      expect(result.location, fault).toBe('/login?redirect=/profile')
      expect(result.html, fault).not.toContain(user.email)
      // A failed check signs nobody out.
      expect(result.setCookie.filter(header => header.startsWith('auth.')), fault).toEqual([])
      await backend.fault('/api/auth/session', 'none')
      const healthy = await render({ 'auth.token': token, 'auth.refresh-token': refreshToken })
      expect(healthy.status, `${fault}, then healthy`).toBe(200)
      expect(healthy.html, `${fault}, then healthy`).toContain(user.email)
    }
  })

  it('an x-nitro-prerender header from a client does not switch the server-side check off', async () => {
    const { user } = await credentials()
    const result = await render({ 'auth.token': 'junk' }, { 'x-nitro-prerender': '/profile' })
    expect(result.status).toBe(302)
    expect(result.location).toBe('/login?redirect=/profile')
    expect(result.html).not.toContain(user.email)
  })

  it('a spent cookie pair replayed after its refresh settled gets no tokens (the backend sees the reuse)', async () => {
    const { token, refreshToken } = await credentials()
    const cookies = { 'auth.token': await expiredCopy(token), 'auth.refresh-token': refreshToken }
    const first = await render(cookies)
    expect(first.status).toBe(200)
    expect(first.setCookie.some(header => header.startsWith('auth.refresh-token=') && !header.startsWith('auth.refresh-token=;'))).toBe(true)
    // The same old pair again (a copied cookie jar): no new tokens from a server-side cache.
    const replay = await render(cookies)
    expect(replay.status).toBe(302)
    expect(replay.setCookie.some(header => /^auth\.(?:refresh-)?token=[^;]/.test(header))).toBe(false)
    expect(await backend.count('POST /api/auth/refresh')).toBe(2)
    expect((await (await fetch(`${baseURL}/api/_test/refresh-stats`)).json()).reuseDetections).toBe(1)
  })

  it('the playground backend rotates atomically: ten concurrent uses of one refresh token, one successor, reuse detected', async () => {
    const { refreshToken } = await credentials()
    const answers = await Promise.all(Array.from({ length: 10 }, () => fetch(`${baseURL}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    })))
    expect(answers.filter(answer => answer.status === 200)).toHaveLength(1)
    expect(answers.filter(answer => answer.status === 401)).toHaveLength(9)
    expect((await (await fetch(`${baseURL}/api/_test/refresh-stats`)).json()).reuseDetections).toBeGreaterThanOrEqual(1)
  })

  it('a valid refresh token alone (access cookie gone) restores the session', async () => {
    const { refreshToken, user } = await credentials()
    const result = await render({ 'auth.refresh-token': refreshToken })
    expect(result.status).toBe(200)
    expect(result.html).toContain(user.email)
    expect(result.setCookie.some(header => header.startsWith('auth.token=ey'))).toBe(true)
    expect(await backend.count('POST /api/auth/refresh')).toBe(1)
  })

  it('an expired JWT with a valid refresh token is refreshed and rendered signed in', async () => {
    const { token, refreshToken, user } = await credentials()
    const result = await render({ 'auth.token': await expiredCopy(token), 'auth.refresh-token': refreshToken })
    expect(result.status).toBe(200)
    expect(result.html).toContain(user.email)
    expect(result.html).not.toContain(refreshToken)
  })

  it('a valid token without its refresh cookie still renders signed in', async () => {
    const { token, user } = await credentials()
    const result = await render({ 'auth.token': token })
    expect(result.status).toBe(200)
    expect(result.html).toContain(user.email)
    expect(await backend.count('POST /api/auth/refresh')).toBe(0)
  })
})
