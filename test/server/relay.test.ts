import { createApp, eventHandler, toNodeListener } from 'h3'
import { fetchNodeRequestHandler } from 'node-mock-http'
import { describe, expect, it } from 'vitest'
import { AuthError } from '../../src/runtime/core'
import { headerToken, relayError } from '../../src/runtime/server/relay'

// The token an API client or useAuthFetch sends: read from the header the module sends it in (token.headerName,
// token.type), as the browser formats it (core/token.ts, formatAuthorization).
async function presented(headers: Record<string, string>, token: { headerName: string, type: string }) {
  const app = createApp().use('/', eventHandler(event => ({ token: headerToken(event, token) })))
  const response = await fetchNodeRequestHandler(toNodeListener(app) as never, '/', { headers })
  return (await response.json() as { token: string | null }).token
}

describe('the token in a request header', () => {
  it('is read from Authorization with its scheme by default', async () => {
    const standard = { headerName: 'Authorization', type: 'Bearer' }
    expect(await presented({ authorization: 'Bearer abc.def' }, standard)).toBe('abc.def')
    expect(await presented({ authorization: 'bearer abc.def' }, standard)).toBe('abc.def')
    expect(await presented({ authorization: 'Basic abc' }, standard)).toBeNull()
    expect(await presented({ authorization: 'Bearer abc def' }, standard)).toBeNull()
    expect(await presented({}, standard)).toBeNull()
  })

  it('is read from the configured header (token.headerName), also without a scheme; Authorization is then not the token\'s', async () => {
    const custom = { headerName: 'X-Access-Token', type: '' }
    expect(await presented({ 'x-access-token': 'abc.def' }, custom)).toBe('abc.def')
    expect(await presented({ authorization: 'abc.def' }, custom)).toBeNull()
    expect(await presented({ 'x-access-token': 'Token abc.def' }, { headerName: 'X-Access-Token', type: 'Token' })).toBe('abc.def')
  })
})

describe('a backend\'s error body relayed to the browser', () => {
  const relayed = (data: unknown) => (relayError(new AuthError('INVALID_CREDENTIALS', 'x', { status: 401, data }), undefined, { backendBody: true }).data as { authError: { data: unknown } }).authError.data

  it('only for the browser\'s own requests (sign-in, sign-up): a refresh or session check made with the httpOnly cookies relays none', () => {
    // A backend that echoes the value it refused (express-validator's default) would hand the httpOnly token to page scripts.
    const echoed = { errors: [{ msg: 'Invalid value', path: 'refreshToken', value: 'the-refresh-token' }] }
    for (const code of ['BAD_REQUEST', 'REFRESH_REFUSED', 'UNAUTHORIZED', 'RATE_LIMITED'] as const) {
      const withCookies = relayError(new AuthError(code, 'x', { status: 400, data: echoed }), 503)
      expect(JSON.stringify(withCookies.data), code).not.toContain('the-refresh-token')
    }
    expect(relayed(echoed)).toEqual(echoed)
  })

  it('keeps the backend\'s answer, without the address a Nitro backend names itself by, nor its stack', () => {
    // Nitro's error answer: the URL as the backend saw it (its host inside the network), in development the stack.
    const nitro = { error: true, url: 'http://auth.internal:4000/api/auth/login', statusCode: 401, statusMessage: 'Invalid email or password', message: 'Invalid email or password', stack: ['at login (/srv/auth/login.ts:4)'], data: { attemptsLeft: 2 } }
    expect(relayed(nitro)).toEqual({ error: true, statusCode: 401, statusMessage: 'Invalid email or password', message: 'Invalid email or password', data: { attemptsLeft: 2 } })
  })

  it('leaves a url that is no address (a path the backend points the user to), and bodies that are no object', () => {
    expect(relayed({ message: 'Locked', url: '/help/locked' })).toEqual({ message: 'Locked', url: '/help/locked' })
    expect(relayed('Invalid email or password')).toBe('Invalid email or password')
    expect(relayed(['a', 'b'])).toEqual(['a', 'b'])
  })
})
