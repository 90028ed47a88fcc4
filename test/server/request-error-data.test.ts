// On the server, an error's body never carries the tokens the request held: a backend whose validation error
// names the value it refused (express-validator's `value`) would otherwise put an httpOnly refresh token into a
// render's payload, through `useAsyncData(() => authFetch(...))` or `getSession()` failing in app code.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { $fetch } from 'ofetch'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { AuthError } from '../../src/runtime/core/errors'
import { requestEndpoint } from '../../src/runtime/shared/request'

let server: Server
let baseURL = ''
beforeAll(async () => {
  vi.stubGlobal('$fetch', $fetch)
  server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => body += chunk)
    request.on('end', () => {
      const sent = body ? JSON.parse(body) as { refreshToken?: string } : {}
      response.writeHead(request.url === '/refresh' ? 400 : 500, { 'content-type': 'application/json' })
      response.end(JSON.stringify({
        errors: [
          { msg: 'Invalid value', path: 'refreshToken', value: sent.refreshToken },
          { msg: 'Not accepted', location: 'headers', value: request.headers.authorization },
        ],
        echoed: [sent.refreshToken, 'kept'],
      }))
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => server.close())

const tokens = { authorization: (token: string | null = 'held-access') => token ? { name: 'Authorization', value: `Bearer ${token}` } : null, token: () => 'held-access', refreshToken: () => 'held-refresh' }

describe('an error body that echoes the tokens, on the server', () => {
  it('loses every key and list item holding the access token, its header value or the refresh token; the rest stays', async () => {
    const failure = await requestEndpoint({ baseURL, timeout: 5000, tokens }, { path: '/refresh', method: 'post' }, 'refresh', { body: { refreshToken: 'held-refresh' } }).catch((error: unknown) => error) as AuthError
    expect(failure.code).toBe('BAD_REQUEST')
    expect(failure.data).toEqual({ errors: [{ msg: 'Invalid value', path: 'refreshToken' }, { msg: 'Not accepted', location: 'headers' }], echoed: ['kept'] })
    expect(JSON.stringify(failure.data)).not.toMatch(/held-/)
  })

  it('a token the request named (the sign-in\'s session request with the new token) goes too', async () => {
    const failure = await requestEndpoint({ baseURL, timeout: 5000, tokens }, { path: '/session', method: 'get' }, 'getSession', { token: 'brand-new' }).catch((error: unknown) => error) as AuthError
    expect(failure.code).toBe('SERVER')
    expect(JSON.stringify(failure.data)).not.toContain('brand-new')
    expect(failure.data).toMatchObject({ errors: [{ msg: 'Invalid value' }, { msg: 'Not accepted' }] })
  })
})
