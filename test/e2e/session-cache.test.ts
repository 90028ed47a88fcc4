import { describe, expect, inject, it } from 'vitest'
import { Backend, newUser } from './helpers'

// The server-side session cache (docs/guide/ssr.md, "The session cache") on the built local fixture, which
// runs with the default `sessionCache: { maxAge: 10 }`.
const baseURL = inject('localBaseURL')
const backend = new Backend(baseURL)
const SESSION = 'GET /api/auth/session'

async function signedInUser() {
  const user = newUser()
  await backend.register(user)
  return { user, token: await backend.login(user.email, user.password) }
}

const load = (path: string, token: string) => fetch(`${baseURL}${path}`, { headers: { cookie: `auth.token=${token}` }, redirect: 'manual' })

describe('the SSR session cache', () => {
  it('a page with a visitor\'s session in it is marked private for shared caches; an anonymous one is not', async () => {
    const { user, token } = await signedInUser()
    const personal = await load('/profile', token)
    expect(await personal.text()).toContain(user.email)
    expect(personal.headers.get('cache-control')).toBe('private, no-store')
    const anonymous = await fetch(`${baseURL}/`)
    expect(anonymous.status).toBe(200)
    expect(anonymous.headers.get('cache-control')).toBeNull()
  })

  it('answers repeated and concurrent renders of one token with one session call, and keeps users apart', async () => {
    const [ada, bob] = [await signedInUser(), await signedInUser()]
    await backend.reset()
    const pages = await Promise.all([ada, bob, ada, bob, ada, bob].map(({ token }) => load('/profile', token).then(response => response.text())))
    for (const [index, html] of pages.entries()) {
      const [own, other] = index % 2 === 0 ? [ada, bob] : [bob, ada]
      expect(html).toContain(own.user.email)
      expect(html).not.toContain(other.user.email)
    }
    expect(await backend.count(SESSION)).toBe(2)
    for (let again = 0; again < 3; again++) expect(await (await load('/profile', ada.token)).text()).toContain(ada.user.email)
    expect(await backend.count(SESSION)).toBe(2)
  })

  it('drops a token the API refuses during SSR: the next render asks the backend and signs out', async () => {
    const { user, token } = await signedInUser()
    expect(await (await load('/profile', token)).text()).toContain(user.email)
    // Revoked at the backend (as by a sign-out on another device): within maxAge SSR still has the cached answer.
    await fetch(`${baseURL}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
    await backend.reset()
    expect((await load('/profile', token)).status).toBe(200)
    expect(await backend.count(SESSION)).toBe(0)
    // useAuthFetch's 401 (the stats page) forgets the entry; the session check then gets the verdict.
    const stats = await load('/stats', token)
    expect(stats.status).toBe(302)
    expect(stats.headers.get('location')).toMatch(/^\/login\?redirect=/)
    expect(await backend.count(SESSION)).toBe(1)
    const after = await load('/profile', token)
    expect(after.status).toBe(302)
    expect(await backend.count(SESSION)).toBe(2)
  })
})

describe('the SSR session cache and the relay routes', () => {
  const httpOnlyURL = inject('httpOnlyBaseURL')
  const httpOnly = new Backend(httpOnlyURL)

  it('a sign-out through the relay drops the cached session that page renders read', async () => {
    const user = newUser()
    await httpOnly.register(user)
    const token = await httpOnly.login(user.email, user.password)
    const render = () => fetch(`${httpOnlyURL}/profile`, { headers: { cookie: `auth.token=${token}` }, redirect: 'manual' })
    expect(await (await render()).text()).toContain(user.email)
    const signOut = await fetch(`${httpOnlyURL}/api/_auth/signout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'cookie': `auth.token=${token}`, 'origin': httpOnlyURL },
      body: '{}',
    })
    expect(signOut.status).toBe(200)
    // The same (now revoked) cookie, within the cache's 10 s: the render asks the backend, which refuses it.
    const after = await render()
    expect(after.status).toBe(302)
    expect(await after.text()).not.toContain(user.email)
  })
})
