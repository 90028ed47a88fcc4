import type { AuthConfig } from '@auth/core'
import Credentials from '@auth/core/providers/credentials'
import { describe, expect, it } from 'vitest'
import strategy from '../../providers/authjs/client'
import { authjsBrowser } from './support/authjs-browser'
import type { AuthError } from '../../src/runtime/core/errors'
import type { StrategyContext } from '../../src/runtime/core'
import type { AuthjsRuntimeOptions } from '../../providers/authjs/options'

// The browser half of the Auth.js provider against the real Auth.js (@auth/core), served in process: each request
// goes through Auth() with the cookies it set before, as a browser's would.
// What the last `authorize()` of the 'pin' provider received.
let authorized: Record<string, unknown> | undefined
const authConfig = (basePath: string): AuthConfig => ({
  basePath,
  secret: 'a-test-secret-0123456789abcdef0123456789',
  trustHost: true,
  providers: [
    Credentials({ credentials: { username: {}, password: {} }, authorize: async credentials => (credentials.password === 'right' ? { id: '1', name: String(credentials.username) } : null) }),
    // As Auth.js's docs validate credentials: strings, or nobody.
    Credentials({ id: 'pin', credentials: { pin: {}, remember: {} }, authorize: async (credentials) => {
      authorized = credentials
      return typeof credentials.pin === 'string' && credentials.pin === '1234' ? { id: '2', name: 'pin holder' } : null
    } }),
  ],
  logger: { error: () => {}, warn: () => {}, debug: () => {} },
})

/** `appBase`: the app's `app.baseURL` without its trailing slash, under which Auth.js is served. */
const browserContext = (appBase = '') => authjsBrowser(authConfig(`${appBase}/api/auth`), appBase)

const signIn = (ctx: StrategyContext<AuthjsRuntimeOptions>, password: string, callbackUrl: string) =>
  strategy.signIn(ctx, { provider: 'credentials', username: 'ada', password }, { callbackUrl })

describe('the Auth.js client strategy against @auth/core', () => {
  it('a credentials sign-in that works lands on its callbackUrl, also when that page\'s own query has an `error`', async () => {
    const { ctx } = browserContext()
    const result = await signIn(ctx, 'right', '/checkout?error=card')
    expect(result).toMatchObject({ landing: expect.stringMatching(/\/checkout\?error=card$/) })
    expect(await strategy.getSession(ctx)).toMatchObject({ user: { name: 'ada' } })
  })

  it('a wrong password is INVALID_CREDENTIALS, whatever the callbackUrl', async () => {
    // The last: a callbackUrl that is Auth.js's own failure page, as a link could carry it.
    for (const callbackUrl of ['/orders', '/checkout?error=card', '/api/auth/signin?error=CredentialsSignin&code=credentials']) {
      const { ctx } = browserContext()
      const error = await signIn(ctx, 'wrong', callbackUrl).then(() => null, (failure: unknown) => failure as AuthError)
      expect(error?.code, callbackUrl).toBe('INVALID_CREDENTIALS')
      expect(await strategy.getSession(ctx), callbackUrl).toBeNull()
    }
  })

  it('a wrong password is INVALID_CREDENTIALS under an app base too (Auth.js\'s own page is under it)', async () => {
    const { ctx } = browserContext('/app')
    const error = await signIn(ctx, 'wrong', '/app/api/auth/signin?error=CredentialsSignin&code=credentials').then(() => null, (failure: unknown) => failure as AuthError)
    expect(error?.code).toBe('INVALID_CREDENTIALS')
  })

  it('credentials reach authorize() as Auth.js\'s own client and the incumbent post them: every value a string', async () => {
    const { ctx } = browserContext()
    const result = await strategy.signIn(ctx, { provider: 'pin', pin: 1234, remember: true, unset: undefined }, { callbackUrl: '/' })
    expect(result).toMatchObject({ landing: expect.stringMatching(/\/$/) })
    expect(authorized).toMatchObject({ pin: '1234', remember: 'true' })
    expect(authorized).not.toHaveProperty('unset')
    expect(await strategy.getSession(ctx)).toMatchObject({ user: { name: 'pin holder' } })
  })

  it('signs out without an error after a sign-in whose callbackUrl had one in its query', async () => {
    const { ctx, cookies } = browserContext()
    // (Whatever the sign-in reports: Auth.js keeps its callbackUrl in a cookie, which a sign-out answers with.)
    await signIn(ctx, 'right', '/checkout?error=card').catch(() => {})
    expect(cookies.get('authjs.session-token')).toBeTruthy()
    await expect(strategy.signOut(ctx)).resolves.toBeUndefined()
    expect(cookies.get('authjs.session-token')).toBe('')
    expect(await strategy.getSession(ctx)).toBeNull()
  })
})
