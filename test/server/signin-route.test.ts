import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createApp, toNodeListener } from 'h3'
import { fetchNodeRequestHandler } from 'node-mock-http'
import { $fetch } from 'ofetch'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { resolveModuleOptions } from '../../src/options'
import { runtimeConfig } from '../../test/unit/stubs/imports'

// The sign-in relay route relays the backend's error body of the sign-in request itself (the form's answer), never
// that of the session request made after it with the NEW httpOnly access token: a session endpoint that refuses
// it (an account not verified yet) and echoes the value it refused would hand that token to page scripts as
// error.data.
const NEW_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.brand-new-httponly-token'
let server: Server
beforeAll(async () => {
  vi.stubGlobal('$fetch', $fetch)
  server = createServer((request, response) => {
    response.setHeader('content-type', 'application/json')
    if (request.url === '/api/auth/login') return void response.end(JSON.stringify({ token: NEW_TOKEN }))
    // e.g. an express-validator / framework error that names the value it refused.
    response.statusCode = 403
    response.end(JSON.stringify({ errors: [{ msg: 'account not verified', location: 'headers', value: request.headers.authorization }] }))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  runtimeConfig.public.auth = resolveModuleOptions({ baseURL: `http://127.0.0.1:${port}/api/auth`, provider: { type: 'local', token: { httpOnlyCookieAttribute: true } } } as never).public as never
})
afterAll(() => server.close())

describe('the sign-in relay route when the session request made with the new token is refused', () => {
  it('relays no backend body that carries the new httpOnly token', async () => {
    const { default: signin } = await import('../../src/runtime/server/routes/signin')
    const app = toNodeListener(createApp().use('/api/_auth/signin', signin))
    const response = await fetchNodeRequestHandler(app as never, '/api/_auth/signin', { method: 'POST', headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', 'host': 'app.example' }, body: JSON.stringify({ credentials: { username: 'u', password: 'p' } }) })
    const text = await response.text()
    expect(response.status).toBe(403)
    expect(JSON.parse(text).data.authError.code).toBe('UNAUTHORIZED')
    expect(text).not.toContain('brand-new-httponly-token')
  })
})
