import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveBuilt } from './serve'

// The built authjs fixture behind a TLS-terminating proxy: no AUTH_URL, trustHost switched on at run time
// (NUXT_AUTH_PROVIDER_TRUST_HOST). The origin comes from X-Forwarded-*; the module's in-process SSR session
// check must see the same origin, or Auth.js would look for the http cookie name and find nobody.
const fixtureDir = fileURLToPath(new URL('../fixtures/authjs', import.meta.url))
let baseURL = ''
let stop = () => {}

beforeAll(async () => {
  const server = await serveBuilt(fixtureDir, { AUTH_URL: undefined, AUTH_SECRET: 'proxy-test-secret-0123456789abcdef0123', NUXT_AUTH_PROVIDER_TRUST_HOST: 'true', OIDC_ISSUER: 'http://127.0.0.1:9', OIDC_CLIENT_ID: 'unused', OIDC_CLIENT_SECRET: 'unused' }, { readyPath: '/api/auth/providers' })
  baseURL = server.baseURL
  stop = server.stop
})
afterAll(() => stop())

const cookiePairs = (response: Response) => response.headers.getSetCookie().map(cookie => cookie.split(';')[0]!)

// One proxy, or a chain of them that each append (the first entry is the visitor's): the handler, the render's
// check, getServerSession and getToken must all read it alike.
describe.each(['https', 'https, https', 'https,http'])('authjs behind a proxy (trustHost, X-Forwarded-Proto: %s)', (forwardedProto) => {
  const proxy = { 'x-forwarded-host': 'app.example.test', 'x-forwarded-proto': forwardedProto }

  it('signs in with __Secure- cookies, and SSR and getServerSession see the session', async () => {
    const csrf = await fetch(`${baseURL}/api/auth/csrf`, { headers: proxy })
    const { csrfToken } = await csrf.json() as { csrfToken: string }
    const signIn = await fetch(`${baseURL}/api/auth/callback/credentials`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...proxy, 'content-type': 'application/x-www-form-urlencoded', 'cookie': cookiePairs(csrf).join('; ') },
      body: new URLSearchParams({ csrfToken, username: 'ada', password: 'ada-password', callbackUrl: '/protected' }),
    })
    expect(signIn.headers.get('location')).toBe('https://app.example.test/protected')
    const session = signIn.headers.getSetCookie().find(cookie => cookie.startsWith('__Secure-authjs.session-token='))!
    expect(session).toMatch(/; Secure/i)
    const cookie = session.split(';')[0]!

    const page = await fetch(`${baseURL}/protected`, { headers: { ...proxy, cookie }, redirect: 'manual' })
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('Ada Lovelace')
    expect(html).not.toContain(cookie.split('=')[1]!)
    expect(await (await fetch(`${baseURL}/api/whoami`, { headers: { ...proxy, cookie } })).json()).toEqual({ name: 'Ada Lovelace', tokenEmail: 'ada@example.test', sameToken: true, sameSession: true, rawIsCookie: true, otherCookieNameFindsNothing: true })
  })
})
