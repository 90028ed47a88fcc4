import type { AuthConfig } from '@auth/core'
import Credentials from '@auth/core/providers/credentials'
import GitHub from '@auth/core/providers/github'
import { describe, expect, it } from 'vitest'
import { defaultSignInPath } from '../../providers/authjs/default-sign-in'
import { startDefaultSignIn } from '../../providers/authjs/server/start-sign-in'

// The start of the default provider's sign-in by a GET (where the guard sends signed-out visitors with
// `defaultProvider`), on the real @auth/core. GitHub's endpoints are fixed, so nothing here leaves the process;
// the e2e test (authjs-default-provider.test.ts) does the same against a real OpenID provider.
const ORIGIN = 'https://app.example'
const config = (): AuthConfig & { basePath: string } => ({
  basePath: '/api/auth',
  secret: 'unit-only-secret-0123456789abcdef0123456789',
  trustHost: true,
  providers: [
    GitHub({ clientId: 'gh-client', clientSecret: 'gh-secret' }),
    Credentials({ id: 'password', credentials: { username: {}, password: {} }, authorize: () => null }),
  ],
})
const get = (path: string, headers: Record<string, string> = {}) => new Request(`${ORIGIN}${path}`, { headers })
const cookieNamed = (response: Response, name: string) => response.headers.getSetCookie().find(cookie => cookie.startsWith(`${name}=`))

describe('startDefaultSignIn (GET {basePath}/signin/{defaultProvider})', () => {
  it('the path is Auth.js\'s sign-in path for the id', () => {
    expect(defaultSignInPath('github')).toBe('/signin/github')
  })

  it('an OAuth default: a 302 to the provider with state or PKCE bound to this browser, and the callbackUrl kept', async () => {
    const response = await startDefaultSignIn(get('/api/auth/signin/github?callbackUrl=%2Forders%3Fpage%3D2'), 'github', config())
    expect(response?.status).toBe(302)
    const location = new URL(response!.headers.get('location')!)
    expect(location.origin + location.pathname).toBe('https://github.com/login/oauth/authorize')
    expect(location.searchParams.get('client_id')).toBe('gh-client')
    expect(location.searchParams.get('redirect_uri')).toBe(`${ORIGIN}/api/auth/callback/github`)
    // GitHub's checks are PKCE: the verifier stays in the browser's cookie, the challenge goes to the provider.
    expect(location.searchParams.get('code_challenge')).toBeTruthy()
    expect(cookieNamed(response!, '__Secure-authjs.pkce.code_verifier')).toContain('HttpOnly')
    expect(decodeURIComponent(cookieNamed(response!, '__Secure-authjs.callback-url')!.split(';')[0]!)).toContain('/orders?page=2')
  })

  it('takes only the callbackUrl from the query, and only the cookies from the headers', async () => {
    // The rest of the query would reach the authorization request; a header could change the answer's form.
    const response = await startDefaultSignIn(get('/api/auth/signin/github?callbackUrl=%2Fx&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&scope=admin&client_id=other', { 'x-auth-return-redirect': '1', 'cookie': '__Secure-authjs.callback-url=https%3A%2F%2Fapp.example%2Fold' }), 'github', config())
    expect(response?.status).toBe(302)
    const location = new URL(response!.headers.get('location')!)
    expect(location.searchParams.get('redirect_uri')).toBe(`${ORIGIN}/api/auth/callback/github`)
    expect(location.searchParams.get('scope')).toBe('read:user user:email')
    expect(location.searchParams.get('client_id')).toBe('gh-client')
    expect(decodeURIComponent(cookieNamed(response!, '__Secure-authjs.callback-url')!.split(';')[0]!)).toContain(`${ORIGIN}/x`)
  })

  it('a callbackUrl to another origin is cut to the app by Auth.js\'s redirect callback', async () => {
    const response = await startDefaultSignIn(get('/api/auth/signin/github?callbackUrl=https%3A%2F%2Fevil.example%2Fx'), 'github', config())
    expect(response?.status).toBe(302)
    const callbackCookie = decodeURIComponent(cookieNamed(response!, '__Secure-authjs.callback-url')!.split(';')[0]!)
    expect(callbackCookie).not.toContain('evil.example')
    expect(callbackCookie).toContain(ORIGIN)
  })

  it('a default that needs input (credentials): Auth.js\'s sign-in page, the callbackUrl kept', async () => {
    const response = await startDefaultSignIn(get('/api/auth/signin/password?callbackUrl=%2Forders'), 'password', config())
    expect(response?.status).toBe(302)
    expect(response!.headers.get('location')).toBe('/api/auth/signin?callbackUrl=%2Forders')
    expect(response!.headers.getSetCookie()).toEqual([])
  })

  it('a default Auth.js does not know: its sign-in page too', async () => {
    const response = await startDefaultSignIn(get('/api/auth/signin/gitlab'), 'gitlab', config())
    expect(response?.headers.get('location')).toBe('/api/auth/signin')
  })

  it('leaves every other request to Auth.js: another provider, a POST, another action, no default', async () => {
    expect(await startDefaultSignIn(get('/api/auth/signin/password'), 'github', config())).toBeNull()
    expect(await startDefaultSignIn(get('/api/auth/signin'), 'github', config())).toBeNull()
    expect(await startDefaultSignIn(get('/api/auth/session'), 'github', config())).toBeNull()
    expect(await startDefaultSignIn(new Request(`${ORIGIN}/api/auth/signin/github`, { method: 'POST' }), 'github', config())).toBeNull()
    expect(await startDefaultSignIn(get('/api/auth/signin/github'), '', config())).toBeNull()
  })
})
