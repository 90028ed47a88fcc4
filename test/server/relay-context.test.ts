import { createApp, eventHandler, toNodeListener } from 'h3'
import { fetchNodeRequestHandler } from 'node-mock-http'
import { describe, expect, it } from 'vitest'
import { relayContext } from '../../src/runtime/server/relay'
import { runtimeConfig } from '../unit/stubs/imports'

// What the server utilities and auth.forward read as the visitor's token (relayContext) in an app that sends it in
// a header of its own: `token: { headerName: 'X-Access-Token', type: '' }`. (headerToken alone: relay.test.ts.)
runtimeConfig.public.auth = {
  token: {
    cookie: { name: 'auth.token', maxAge: 1800, sameSite: 'lax', secure: false, httpOnly: true },
    headerName: 'X-Access-Token',
    type: '',
    maxAgeInSeconds: 1800,
  },
}

async function seen(headers: Record<string, string>) {
  const app = createApp().use('/', eventHandler((event) => {
    const relay = relayContext(event, { bearer: true })
    return { token: relay.tokens.token(), fromHeader: relay.fromHeader, sent: relay.tokens.authorization(relay.tokens.token()) }
  }))
  const response = await fetchNodeRequestHandler(toNodeListener(app) as never, '/', { headers })
  return await response.json() as { token: string | null, fromHeader: boolean, sent: { name: string, value: string } | null }
}

/** The cookies the request's answer sets (a token found unusable is removed with one). */
async function cookiesSet(headers: Record<string, string>) {
  const app = createApp().use('/', eventHandler((event) => {
    relayContext(event, { bearer: true }).tokens.token()
    return 'ok'
  }))
  return (await fetchNodeRequestHandler(toNodeListener(app) as never, '/', { headers })).headers.getSetCookie()
}

describe('the visitor\'s token with token.headerName set', () => {
  it('comes from that header first, and is sent on in it, as the browser formats it', async () => {
    expect(await seen({ 'x-access-token': 'from-header', 'cookie': 'auth.token=from-cookie' })).toEqual({ token: 'from-header', fromHeader: true, sent: { name: 'X-Access-Token', value: 'from-header' } })
  })

  it('is the cookie\'s when the header holds no token (spaces, text a header cannot carry): the header is ignored, the cookie kept', async () => {
    // With type '' and headerName Authorization, the header a browser adds by itself behind basic auth.
    for (const value of ['Basic c3RhZ2luZzpzZWNyZXQ=', 'Negotiate YII abc', 't\u00F6ken']) {
      const headers = { 'x-access-token': value, 'cookie': 'auth.token=from-cookie' }
      expect(await seen(headers)).toEqual({ token: 'from-cookie', fromHeader: false, sent: { name: 'X-Access-Token', value: 'from-cookie' } })
      expect(await cookiesSet(headers)).toEqual([])
    }
  })

  it('is the cookie\'s when only Authorization carries something: that header is not the token\'s here', async () => {
    expect(await seen({ authorization: 'Bearer from-authorization', cookie: 'auth.token=from-cookie' })).toEqual({ token: 'from-cookie', fromHeader: false, sent: { name: 'X-Access-Token', value: 'from-cookie' } })
  })
})
