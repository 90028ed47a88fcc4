import { createServer, type Server } from 'node:http'
import { createApp, defineEventHandler, sendWebResponse, toNodeListener } from 'h3'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { toWebRequest } from '../../providers/authjs/server/bridge'
import { BodyTooLargeError } from '../../src/runtime/core/body'
import { collectRequestWithin } from '../../src/runtime/server/body'

vi.mock('#gatekeeper-server-config', () => ({ default: {} }))

const LIMIT = 1024

// The h3 ⇄ Web Request/Response bridge of the Auth.js handler, over a real HTTP server on loopback.
let server: Server
let baseURL = ''
let seen: { url: string, method: string, cookie: string | null, contentType: string | null, body: string } | undefined

beforeAll(async () => {
  const app = createApp()
  app.use('/bridge', defineEventHandler(async (event) => {
    let request: Request
    try {
      request = await toWebRequest(event, 'https://app.example.com', e => collectRequestWithin(e.node.req, LIMIT, Number(e.node.req.headers['content-length'])))
    }
    catch (error) {
      if (error instanceof BodyTooLargeError) return new Response(null, { status: 413 })
      throw error
    }
    seen = { url: request.url, method: request.method, cookie: request.headers.get('cookie'), contentType: request.headers.get('content-type'), body: await request.text() }
    // Auth.js answers with several cookies at once (session, state, nonce…): each must arrive on its own.
    const headers = new Headers({ location: '/back' })
    headers.append('set-cookie', 'authjs.session-token=abc; Path=/; HttpOnly; SameSite=Lax')
    headers.append('set-cookie', 'authjs.state=; Max-Age=0; Path=/')
    return sendWebResponse(event, new Response(null, { status: 302, headers }))
  }))
  server = createServer(toNodeListener(app))
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  baseURL = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => new Promise<void>(resolve => server.close(() => resolve())))

describe('the Auth.js request/response bridge', () => {
  it('puts the request on the public origin with its path, query, cookies and raw form body', async () => {
    const response = await fetch(`${baseURL}/bridge/callback/credentials?x=1&y=%2F`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'cookie': 'authjs.csrf-token=t%7Ch', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'csrfToken=t&username=ada&callbackUrl=%2Fprotected',
    })
    expect(seen).toEqual({
      url: 'https://app.example.com/bridge/callback/credentials?x=1&y=%2F',
      method: 'POST',
      cookie: 'authjs.csrf-token=t%7Ch',
      contentType: 'application/x-www-form-urlencoded',
      body: 'csrfToken=t&username=ada&callbackUrl=%2Fprotected',
    })
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe('/back')
    expect(response.headers.getSetCookie()).toEqual(['authjs.session-token=abc; Path=/; HttpOnly; SameSite=Lax', 'authjs.state=; Max-Age=0; Path=/'])
  })

  it('refuses a body over the limit before buffering it, declared or streamed', async () => {
    seen = undefined
    const declared = await fetch(`${baseURL}/bridge/signin`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'x'.repeat(LIMIT + 1) })
    expect(declared.status).toBe(413)
    // Chunked, without Content-Length: counted while it streams in.
    const chunks = new ReadableStream({
      start(controller) {
        for (let index = 0; index < 8; index++) controller.enqueue(new TextEncoder().encode('y'.repeat(512)))
        controller.close()
      },
    })
    const streamed = await fetch(`${baseURL}/bridge/signin`, { method: 'POST', body: chunks, duplex: 'half' } as RequestInit)
    expect(streamed.status).toBe(413)
    expect(seen).toBeUndefined()
  })

  it('sends no body for GET', async () => {
    await fetch(`${baseURL}/bridge/session`, { redirect: 'manual' })
    expect(seen).toMatchObject({ method: 'GET', body: '', url: 'https://app.example.com/bridge/session' })
  })
})

describe('cookies follow the public origin', () => {
  it('on an https origin Auth.js sets __Secure- session cookies with Secure, HttpOnly and SameSite=Lax', async () => {
    const { Auth } = await import('@auth/core')
    const Credentials = (await import('@auth/core/providers/credentials')).default
    const config = () => ({
      basePath: '/api/auth',
      secret: 'unit-test-secret-0123456789abcdef0123456789',
      trustHost: true,
      providers: [Credentials({ credentials: { username: {} }, authorize: async () => ({ id: '1', name: 'Ada' }) })],
      logger: { error() {}, warn() {}, debug() {} },
    })
    const origin = 'https://app.example.com'
    const csrf = await Auth(new Request(`${origin}/api/auth/csrf`), config())
    const { csrfToken } = await csrf.json() as { csrfToken: string }
    const csrfCookie = csrf.headers.getSetCookie().map(cookie => cookie.split(';')[0]).join('; ')
    const signIn = await Auth(new Request(`${origin}/api/auth/callback/credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'cookie': csrfCookie },
      body: new URLSearchParams({ csrfToken, username: 'ada', callbackUrl: '/' }),
    }), config())
    const session = signIn.headers.getSetCookie().find(cookie => cookie.startsWith('__Secure-authjs.session-token='))
    expect(session).toBeDefined()
    expect(session).toMatch(/; Secure/i)
    expect(session).toMatch(/; HttpOnly/i)
    expect(session).toMatch(/; SameSite=Lax/i)
  })
})
