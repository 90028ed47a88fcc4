import { createServer, type Server } from 'node:http'
import { createApp, defineEventHandler, sendWebResponse, toNodeListener } from 'h3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toWebRequest } from '../../providers/authjs/server/bridge'

// The h3 ⇄ Web Request/Response bridge of the Auth.js handler, over a real HTTP server on loopback.
let server: Server
let baseURL = ''
let seen: { url: string, method: string, cookie: string | null, contentType: string | null, body: string } | undefined

beforeAll(async () => {
  const app = createApp()
  app.use('/bridge', defineEventHandler(async (event) => {
    const request = await toWebRequest(event, 'https://app.example.com')
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

  it('sends no body for GET', async () => {
    await fetch(`${baseURL}/bridge/session`, { redirect: 'manual' })
    expect(seen).toMatchObject({ method: 'GET', body: '', url: 'https://app.example.com/bridge/session' })
  })
})
