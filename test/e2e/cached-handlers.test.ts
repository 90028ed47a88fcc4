import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Backend, newUser, openSession, text, useChromium, waitForHydration } from './helpers'
import { serveBuilt } from './serve'

// Nitro's cached handlers (`cache`, `swr`, `isr` route rules, defineCachedEventHandler) run the handler on an event
// of their own, without the request's headers, and answer everyone with what it returned. That event shares the
// incoming request's `event.context`: what the module keeps there for the visitor (session mode's loaded session,
// the resolved session and token of the server utilities) must not reach it, or the first visitor's session is
// served to everybody for the cache's lifetime (test/fixtures/local/server/api/_test/cached-session.get.ts).

const ROUTE = '/api/_test/cached-session'

const browser = useChromium()

async function registered(backend: Backend) {
  const user = newUser()
  await backend.register(user)
  return user
}

/** Each test its own cache entry (the query is part of Nitro's cache key). */
const fresh = (query = '') => `${ROUTE}?n=${randomBytes(6).toString('hex')}${query}`

async function cached(baseURL: string, path: string, cookie?: string) {
  const response = await fetch(`${baseURL}${path}`, { headers: cookie ? { cookie } : {} })
  expect(response.status).toBe(200)
  return await response.json() as { email: string | null, token: string | null }
}

async function signInThroughRelay(baseURL: string, user: { email: string, password: string }): Promise<string> {
  const response = await fetch(`${baseURL}/api/_auth/signin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'origin': baseURL },
    body: JSON.stringify({ credentials: { email: user.email, password: user.password } }),
  })
  expect(response.status).toBe(200)
  const cookie = response.headers.getSetCookie().map(cookie => cookie.split(';')[0]).join('; ')
  // The cookie is the user's: an uncached route reads their session with it (else the tests below would prove nothing).
  const whoami = await fetch(`${baseURL}/api/_test/whoami`, { headers: { cookie } })
  expect(await whoami.json()).toMatchObject({ email: user.email })
  return cookie
}

describe('session mode: a cached route never sees the visitor\'s session', () => {
  let server: Awaited<ReturnType<typeof serveBuilt>>
  let backend: Backend
  beforeAll(async () => {
    server = await serveBuilt(inject('sessionsFixtureDir'), { NUXT_AUTH_SESSIONS_SECRET: randomBytes(32).toString('base64') }, { readyPath: '/api/_test/counters' })
    backend = new Backend(server.baseURL)
  })
  afterAll(() => server?.stop())

  it.each(['', '&read=first'])('a signed-in visitor fills the cache with nobody\'s answer (query %j)', async (query) => {
    const user = await registered(backend)
    const cookie = await signInThroughRelay(server.baseURL, user)
    const path = fresh(query)
    expect(await cached(server.baseURL, path, cookie)).toMatchObject({ email: null, token: null })
    // What an anonymous visitor is served from the cache afterwards.
    expect(await cached(server.baseURL, path)).toMatchObject({ email: null, token: null })
  })

  it('a page cached by a route rule holds nobody\'s session; a signed-in visitor\'s browser checks for itself', async () => {
    const user = await registered(backend)
    const cookie = await signInThroughRelay(server.baseURL, user)
    // `/modes/cached` has `swr: 60` (test/fixtures/local/nuxt.config.ts); the query makes this test's cache entry.
    const path = `/modes/cached?n=${randomBytes(6).toString('hex')}`
    const filled = await fetch(`${server.baseURL}${path}`, { headers: { cookie } })
    expect(filled.status).toBe(200)
    expect(await filled.text()).not.toContain(user.email)
    const served = await fetch(`${server.baseURL}${path}`)
    expect(await served.text()).not.toContain(user.email)

    // The visitor's own browser, from the cached page: the session is checked after hydration, not taken from the cache.
    const session = await openSession(browser(), server.baseURL)
    const { context, page } = session
    await context.addCookies(cookie.split('; ').map((pair) => {
      const at = pair.indexOf('=')
      return { name: pair.slice(0, at), value: pair.slice(at + 1), url: server.baseURL }
    }))
    await page.goto(path)
    await waitForHydration(page)
    await expect.poll(() => text(page, 'mode-email')).toBe(user.email)
    await session.assertClean()
  })
})

describe('httpOnly token cookies: a cached route never sees a session a middleware read first', () => {
  const baseURL = inject('refreshHttpOnlyBaseURL')
  const backend = new Backend(baseURL)

  it('a signed-in visitor fills the cache with nobody\'s answer', async () => {
    const user = await registered(backend)
    const cookie = await signInThroughRelay(baseURL, user)
    const path = fresh('&read=first')
    expect(await cached(baseURL, path, cookie)).toMatchObject({ email: null, token: null })
    expect(await cached(baseURL, path)).toMatchObject({ email: null, token: null })
  })
})
