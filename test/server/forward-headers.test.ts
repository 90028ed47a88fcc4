import { createApp, eventHandler, toNodeListener } from 'h3'
import { fetchNodeRequestHandler } from 'node-mock-http'
import { describe, expect, it } from 'vitest'
import { upstreamHeaders } from '../../src/runtime/server/routes/forward'

// What auth.forward sends its upstream: the token header only as the route decided it (token.headerName, any name),
// never as the browser sent it; the browser's cookies and its claims about itself never.
async function sentUpstream(headers: Record<string, string>, tokenHeader: string, authorization: { name: string, value: string } | null) {
  const app = createApp().use('/', eventHandler(event => Object.fromEntries(upstreamHeaders(event, tokenHeader, authorization))))
  const response = await fetchNodeRequestHandler(toNodeListener(app) as never, '/', { headers })
  return await response.json() as Record<string, string>
}

describe('the headers auth.forward sends upstream', () => {
  it('a custom token header the browser sent is dropped; the route sets its own, or none', async () => {
    const browser = { 'x-access-token': 'forged-or-stale', 'accept': 'application/json', 'cookie': 'auth.token=t', 'x-forwarded-for': '203.0.113.9' }
    const none = await sentUpstream(browser, 'x-access-token', null)
    expect(none['x-access-token']).toBeUndefined()
    expect(none.cookie).toBeUndefined()
    expect(none.accept).toBe('application/json')
    const decided = await sentUpstream(browser, 'x-access-token', { name: 'X-Access-Token', value: 'the-visitors-token' })
    expect(decided['x-access-token']).toBe('the-visitors-token')
  })

  it('Authorization is never passed on as the browser sent it, whatever the token header', async () => {
    const sent = await sentUpstream({ 'authorization': 'Basic abc', 'x-tenant': 'acme' }, 'x-access-token', null)
    expect(sent.authorization).toBeUndefined()
    expect(sent['x-tenant']).toBe('acme')
  })
})
