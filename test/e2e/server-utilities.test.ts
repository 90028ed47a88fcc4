import { describe, expect, inject, it } from 'vitest'
import { Backend, newUser } from './helpers'
import { expiredCopy } from './tokens'

// The server utilities of the token providers in an app's own API routes (test/fixtures/local/server/api/_test:
// whoami uses the auto-imported requireServerSession, server-token imports getServerToken and getServerSession
// from '#auth'), on the built local and refresh fixtures.
const SESSION = 'GET /api/auth/session'
const REFRESH = 'POST /api/auth/refresh'

async function signedIn(backend: Backend) {
  const user = newUser()
  await backend.register(user)
  const response = await fetch(`${backend.baseURL}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: user.email, password: user.password }) })
  return { user, ...(await response.json() as { token: string, refreshToken?: string }) }
}

describe('server utilities (local provider)', () => {
  const baseURL = inject('localBaseURL')
  const backend = new Backend(baseURL)
  const whoami = (headers: Record<string, string> = {}) => fetch(`${baseURL}/api/_test/whoami`, { headers })

  it('requireServerSession: 401 with a code for nobody, the session for the cookie or an Authorization header', async () => {
    const anonymous = await whoami()
    expect(anonymous.status).toBe(401)
    expect((await anonymous.json()).data.authError.code).toBe('UNAUTHORIZED')

    const { user, token } = await signedIn(backend)
    await backend.reset()
    expect(await (await whoami({ cookie: `auth.token=${token}` })).json()).toEqual({ email: user.email })
    expect(await (await whoami({ authorization: `Bearer ${token}` })).json()).toEqual({ email: user.email })
    // A page render and the API calls after it share the server's session cache: one backend call.
    expect((await fetch(`${baseURL}/profile`, { headers: { cookie: `auth.token=${token}` } })).status).toBe(200)
    expect(await backend.count(SESSION)).toBe(1)
  })

  it('a token the backend refuses is a 401 and its cookie is dropped; an outage or a rate limit is a 503 (with the backend\'s Retry-After) and signs nobody out', async () => {
    const { token } = await signedIn(backend)
    await backend.fault('/api/auth/session', '500')
    const outage = await whoami({ cookie: `auth.token=${token}` })
    expect(outage.status).toBe(503)
    expect((await outage.json()).data.authError.code).toBe('SERVER')
    expect(outage.headers.getSetCookie()).toEqual([])

    // A backend that asks to wait: still no verdict, and its Retry-After reaches the API's client.
    await backend.fault('/api/auth/session', '429')
    const limited = await whoami({ cookie: `auth.token=${token}` })
    expect(limited.status).toBe(503)
    expect(limited.headers.get('retry-after')).toBe('30')
    expect((await limited.json()).data.authError.code).toBe('RATE_LIMITED')
    expect(limited.headers.getSetCookie()).toEqual([])

    await backend.fault('/api/auth/session', '401')
    const refused = await whoami({ cookie: `auth.token=${token}` })
    expect(refused.status).toBe(401)
    expect(refused.headers.getSetCookie().join()).toMatch(/^auth\.token=; Max-Age=0/)
    await backend.fault('/api/auth/session', 'none')
  })

  it('getServerToken from \'#auth\': the visitor\'s token, and null for nobody', async () => {
    const { user, token } = await signedIn(backend)
    expect(await (await fetch(`${baseURL}/api/_test/server-token`, { headers: { cookie: `auth.token=${token}` } })).json()).toEqual({ token, email: user.email })
    expect(await (await fetch(`${baseURL}/api/_test/server-token`)).json()).toEqual({ token: null, email: null })
  })
})

describe('server utilities (refresh provider)', () => {
  const baseURL = inject('refreshBaseURL')
  const accessTtl = inject('refreshAccessTtl')
  const backend = new Backend(baseURL)

  it('getServerToken refreshes an expired token once for 20 concurrent requests, and sets the new cookies', async () => {
    const { user, token, refreshToken } = await signedIn(backend)
    const cookie = `auth.token=${await expiredCopy(token, accessTtl)}; auth.refresh-token=${refreshToken}`
    const reuses = async () => (await (await fetch(`${baseURL}/api/_test/refresh-stats`)).json() as { reuseDetections: number }).reuseDetections
    const reusesBefore = await reuses()
    await backend.reset()
    // The backend answers the refresh slowly, so all twenty are in flight together (as a page's parallel calls
    // are). A request presenting the spent pair after the answer has left is a replay, which goes to the backend.
    await backend.fault('/api/auth/refresh', 'slow')
    const responses = await Promise.all(Array.from({ length: 20 }, () => fetch(`${baseURL}/api/_test/server-token`, { headers: { cookie } })))
    const bodies = await Promise.all(responses.map(response => response.json() as Promise<{ token: string, email: string }>))
    expect(responses.map(response => response.status)).toEqual(Array.from({ length: 20 }, () => 200))
    expect(await backend.count(REFRESH)).toBe(1)
    expect(new Set(bodies.map(body => body.token)).size).toBe(1)
    expect(bodies[0]!.token).not.toBe(token)
    expect(bodies.every(body => body.email === user.email)).toBe(true)
    for (const response of responses) {
      const set = response.headers.getSetCookie().join('\n')
      expect(set).toContain(`auth.token=${bodies[0]!.token}`)
      expect(set).toMatch(/auth\.refresh-token=(?!;)/)
    }
    expect(await reuses()).toBe(reusesBefore)
    await backend.fault('/api/auth/refresh', 'none')
  })
})
