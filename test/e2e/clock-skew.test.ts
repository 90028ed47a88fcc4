import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newUser, openSession, quietAfterIdle, text, useChromium, waitForHydration } from './helpers'
import { serveBuilt, type ServedApp } from './serve'

// A backend whose clock is ten minutes behind the app server's (the playground's NUXT_BACKEND_CLOCK_SKEW_SECONDS):
// its tokens' `exp` lies in the past by the app server's clock, though each is valid for a minute. Judged by that
// clock, every server render would refresh; judged by the issuer's, which the server learns from the tokens refreshes
// of its own bring back, only the first two do (one `iat` behind may be an old token handed out again: the second
// confirms it, core/clock.ts). The browser is told the issuer's time, so it does not refresh either.
const SKEW_SECONDS = -600
const browser = useChromium()

describe.each(['refresh', 'refresh-httponly'])('%s: a backend whose clock is ten minutes behind the app server', (fixture) => {
  let server: ServedApp

  beforeAll(async () => {
    server = await serveBuilt(fileURLToPath(new URL(`../fixtures/${fixture}`, import.meta.url)), {
      NUXT_BACKEND_CLOCK_SKEW_SECONDS: String(SKEW_SECONDS),
      NUXT_ACCESS_TOKEN_TTL: '60',
    }, { readyPath: '/api/_test/counters' })
  })
  afterAll(() => server?.stop())

  const refreshStats = async (): Promise<{ refreshes: number, reuseDetections: number }> => await (await fetch(`${server.baseURL}/api/_test/refresh-stats`)).json()

  it('refreshes on the first two server renders only, and the browser after them not at all', async () => {
    const user = newUser()
    const post = (path: string, body: unknown) => fetch(`${server.baseURL}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    expect((await post('/api/auth/register', user)).status).toBe(201)
    const login = await post('/api/auth/login', { email: user.email, password: user.password })
    expect(login.status).toBe(200)
    const tokens = await login.json() as { token: string, refreshToken: string }
    const jar = new Map([['auth.token', tokens.token], ['auth.refresh-token', tokens.refreshToken]])

    // Five page loads, each with the cookies the one before set: the user's page every time.
    for (let load = 0; load < 5; load++) {
      const page = await fetch(`${server.baseURL}/profile`, { headers: { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') }, redirect: 'manual' })
      expect(page.status, `load ${load}`).toBe(200)
      expect(await page.text(), `load ${load}`).toContain(user.email)
      for (const set of page.headers.getSetCookie()) {
        const [pair] = set.split(';')
        const at = pair!.indexOf('=')
        jar.set(pair!.slice(0, at), pair!.slice(at + 1))
      }
    }
    expect(await refreshStats()).toMatchObject({ refreshes: 2, reuseDetections: 0 })

    // A browser with those cookies: the server renders with them, the browser keeps them.
    const session = await openSession(browser(), server.baseURL)
    await session.context.addCookies([...jar].map(([name, value]) => ({ name, value, url: server.baseURL })))
    const { page } = session
    await page.goto('/profile')
    await expect.poll(() => text(page, 'session-email')).toBe(user.email)
    await waitForHydration(page)
    await quietAfterIdle(page)
    expect(await refreshStats()).toMatchObject({ refreshes: 2, reuseDetections: 0 })
    await session.assertClean()
  })
})
