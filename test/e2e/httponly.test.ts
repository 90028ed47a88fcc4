import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { describe, expect, inject, it } from 'vitest'
import { Backend, newUser, openSession, quietAfterIdle, signInThroughForm, text, useChromium, waitForHydration } from './helpers'
import { serveBuilt, settledOutput } from './serve'

const baseURL = inject('httpOnlyBaseURL')
const backend = new Backend(baseURL)
const SESSION = 'GET /api/auth/session'
const browser = useChromium(backend)

/**
 * POSTs `chunks` as a streamed (chunked) body, one at a time with a pause between, and stops sending once the answer
 * arrives. A server that answers before reading the whole body may close the connection then: fetch() would fail
 * with EPIPE on its next write, before reporting the status (a flake of this file).
 */
function streamedPost(url: string, headers: Record<string, string>, chunks: Uint8Array[]): Promise<{ status: number, chunksSent: number }> {
  const { hostname, port, pathname } = new URL(url)
  return new Promise((resolve, reject) => {
    let answer: { status: number, chunksSent: number } | undefined
    let chunksSent = 0
    const outgoing = request({ hostname, port, path: pathname, method: 'POST', headers }, (response) => {
      answer = { status: response.statusCode ?? 0, chunksSent }
      response.resume()
      response.on('end', () => resolve(answer!))
    })
    // After the answer, a write into the closed connection is expected.
    outgoing.on('error', error => (answer ? resolve(answer) : reject(error)))
    void (async () => {
      for (const chunk of chunks) {
        if (answer) return
        await new Promise<void>(written => outgoing.write(chunk, () => written()))
        chunksSent += 1
        await new Promise(pause => setTimeout(pause, 20))
      }
      if (!answer) outgoing.end()
    })()
  })
}

describe('local provider with httpOnlyCookieAttribute', () => {
  it('signs in, keeps the token out of reach of scripts, survives a reload, signs out', async () => {
    const user = newUser()
    await backend.register(user)
    const session = await openSession(browser(), baseURL)
    const { page, context } = session
    await page.goto('/profile')
    await page.waitForURL(url => url.pathname === '/login')
    await signInThroughForm(page, user)
    await page.waitForURL(url => url.pathname === '/profile')
    await expect.poll(() => text(page, 'session-email')).toBe(user.email)

    // The app's sessionRefresh.handler was constructed with the options and started in the Nuxt context.
    expect(await page.evaluate(() => (window as unknown as { __refreshHandler: unknown }).__refreshHandler)).toEqual({
      started: true,
      statusAtInit: expect.any(String),
      config: expect.objectContaining({ enablePeriodically: false, enableOnWindowFocus: false, customHandler: true }),
    })

    const cookie = (await context.cookies()).find(entry => entry.name === 'auth.token')
    expect(cookie?.httpOnly).toBe(true)
    expect(cookie?.sameSite).toBe('Lax')
    expect(await page.evaluate(() => document.cookie)).not.toContain('auth.token')

    await backend.reset()
    await page.reload()
    await expect.poll(() => text(page, 'session-email')).toBe(user.email)
    await waitForHydration(page)
    await quietAfterIdle(page)
    expect(await backend.count(SESSION)).toBe(1)
    expect(await backend.count('GET /api/_auth/session')).toBe(0)

    // A client-side re-check goes through the relay route: one request, seen by the same counter.
    await page.getByTestId('recheck').click()
    await expect.poll(() => backend.count('GET /api/_auth/session')).toBe(1)
    await quietAfterIdle(page)
    expect(await backend.count('GET /api/_auth/session')).toBe(1)
    expect(await text(page, 'status')).toBe('authenticated')

    await page.getByTestId('sign-out').click()
    await page.waitForURL(url => url.pathname === '/login')
    expect((await context.cookies()).find(entry => entry.name === 'auth.token')).toBeUndefined()
    expect(await backend.count('POST /api/auth/logout')).toBe(1)
    await session.assertClean()
  })

  it('a wrong password is INVALID_CREDENTIALS through the relay and sets no cookie', async () => {
    const user = newUser()
    await backend.register(user)
    const session = await openSession(browser(), baseURL)
    session.expectFailedRequest(/status of 401/)
    const { page, context } = session
    await page.goto('/login')
    await signInThroughForm(page, { email: user.email, password: 'wrong-password-1!' })
    await expect.poll(() => text(page, 'error')).toMatch(/wrong/i)
    expect((await context.cookies()).find(entry => entry.name === 'auth.token')).toBeUndefined()
    await session.assertClean()
  })

  it('useAuthFetch during SSR with a baseURL on another origin sends the token there, never the visitor\'s cookies', async () => {
    const user = newUser()
    await backend.register(user)
    const answer = await fetch(`${baseURL}/api/_auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json', 'origin': baseURL }, body: JSON.stringify({ credentials: { email: user.email, password: user.password } }) })
    expect(answer.status).toBe(200)
    const cookie = answer.headers.getSetCookie().map(line => line.split(';', 1)[0]).join('; ')
    expect(cookie).toContain('auth.token=')
    // Another site's API, which records what reached it.
    const received: Array<Record<string, string | string[] | undefined>> = []
    const elsewhere = createServer((incoming, response) => {
      received.push(incoming.headers)
      response.setHeader('content-type', 'application/json')
      response.end('{}')
    })
    await new Promise<void>(listening => elsewhere.listen(0, '127.0.0.1', listening))
    try {
      const base = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`
      const page = await fetch(`${baseURL}/fetch-elsewhere?base=${encodeURIComponent(base)}`, { headers: { cookie: `${cookie}; app-pref=dark` } })
      expect(await page.text()).toContain('sent')
      expect(received).toHaveLength(1)
      expect(received[0]!.authorization).toMatch(/^Bearer ey/)
      expect(received[0]!.cookie).toBeUndefined()
    }
    finally {
      elsewhere.close()
    }
  })

  it('a token too big for a cookie fails the sign-in through the relay: BAD_RESPONSE, and no cookie the browser would drop', async () => {
    const user = newUser()
    await backend.register(user)
    await backend.fault('/api/auth/login', 'large-token')
    const answer = await fetch(`${baseURL}/api/_auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json', 'origin': baseURL }, body: JSON.stringify({ credentials: { email: user.email, password: user.password } }) })
    expect(answer.status).toBe(502)
    expect((await answer.json()).data.authError.code).toBe('BAD_RESPONSE')
    // Before, the server stored the cookie in its answer and signed in; the browser then dropped the cookie.
    expect(answer.headers.getSetCookie()).toEqual([])
  })

  it('a rate-limited sign-in is RATE_LIMITED through the relay, with the backend\'s Retry-After passed on for the form', async () => {
    const user = newUser()
    await backend.register(user)
    const signIn = (password: string) => fetch(`${baseURL}/api/_auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json', 'origin': baseURL }, body: JSON.stringify({ credentials: { email: user.email, password } }) })
    // The playground's backend allows five wrong passwords per email and minute.
    for (let attempt = 0; attempt < 5; attempt += 1) expect((await signIn('wrong-password-1!')).status).toBe(401)
    const limited = await signIn(user.password)
    expect(limited.status).toBe(429)
    const wait = Number(limited.headers.get('retry-after'))
    expect(wait).toBeGreaterThan(30)
    expect(wait).toBeLessThanOrEqual(60)
    // The backend's own answer reaches the form, as it does when the browser calls the backend (readable cookies).
    expect((await limited.json()).data.authError).toMatchObject({ code: 'RATE_LIMITED', data: { statusCode: 429, statusMessage: 'Too many failed sign-ins' } })
    expect(limited.headers.getSetCookie()).toEqual([])

    const session = await openSession(browser(), baseURL)
    session.expectFailedRequest(/status of 429/)
    const { page, context } = session
    await page.goto('/login')
    await signInThroughForm(page, user)
    await expect.poll(() => text(page, 'error')).toMatch(/^Too many attempts\. Try again in \d+ s\.$/)
    expect((await context.cookies()).find(entry => entry.name === 'auth.token')).toBeUndefined()
    expect(await backend.count('POST /api/auth/login')).toBe(7)
    await session.assertClean()
  })

  it('a sign-up the backend refuses is answered with its reasons through the relay (the form can show them)', async () => {
    const user = newUser()
    await backend.register(user)
    const again = await fetch(`${baseURL}/api/_auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json', 'origin': baseURL }, body: JSON.stringify({ credentials: user }) })
    expect(again.status).toBe(409)
    const relayed = (await again.json()).data.authError
    expect(relayed).toMatchObject({ code: 'BAD_REQUEST', data: { data: { errors: { email: [expect.stringMatching(/already exists/)] } } } })
    // The backend (Nitro) names the address it was called at; that stays on the server.
    const direct = await (await fetch(`${baseURL}/api/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(user) })).json()
    expect(direct.url).toMatch(/^http:\/\//)
    expect(relayed.data).toEqual(Object.fromEntries(Object.entries(direct).filter(([key]) => key !== 'url')))
  })

  it('a 500 from the backend keeps the session; a revoked token signs out and clears the httpOnly cookie', async () => {
    const user = newUser()
    await backend.register(user)
    const token = await backend.login(user.email, user.password)
    const session = await openSession(browser(), baseURL)
    session.expectFailedRequest(/status of (503|401)/)
    await session.context.addCookies([{ name: 'auth.token', value: token, url: baseURL, httpOnly: true }])
    const { page } = session
    await page.goto('/profile')
    await waitForHydration(page)

    await backend.fault('/api/auth/session', '500')
    await page.getByTestId('recheck').click()
    await page.getByTestId('error').waitFor()
    expect(await text(page, 'status')).toBe('authenticated')
    expect((await session.context.cookies()).find(entry => entry.name === 'auth.token')?.value).toBe(token)
    // The relay tells the browser the code (503: the backend could not answer), never where the backend lives.
    const relayed = await fetch(`${baseURL}/api/_auth/session`, { headers: { cookie: `auth.token=${token}` } })
    expect(relayed.status).toBe(503)
    const body = await relayed.text()
    expect(JSON.parse(body).data.authError).toMatchObject({ code: 'SERVER', message: 'The authentication backend failed' })
    expect(body).not.toContain('/api/auth/session')
    // Nor what the backend's failure said about itself (a stack trace, a host inside its network).
    expect(JSON.parse(body).data.authError.data).toBeUndefined()
    expect(body).not.toContain('Injected failure')

    await backend.fault('/api/auth/session', 'none')
    await fetch(`${baseURL}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
    await page.getByTestId('recheck').click()
    await page.waitForURL(url => url.pathname === '/login')
    expect((await session.context.cookies()).find(entry => entry.name === 'auth.token')).toBeUndefined()
    await session.assertClean()
  })

  it('a 401 that the relay route did not write (the app\'s own middleware on /api/**, a proxy) signs nobody out', async () => {
    const user = newUser()
    await backend.register(user)
    const token = await backend.login(user.email, user.password)
    const session = await openSession(browser(), baseURL)
    session.expectFailedRequest(/status of 401/)
    await session.context.addCookies([{ name: 'auth.token', value: token, url: baseURL, httpOnly: true }])
    const { page } = session
    await page.goto('/profile')
    await waitForHydration(page)
    // The fixture's test middleware answers the relay's own route with a bare 401 before the route runs.
    await backend.fault('/api/_auth/session', '401')
    try {
      await page.getByTestId('recheck').click()
      await page.getByTestId('error').waitFor()
      // BAD_RESPONSE, whose message says what refused the request and what to let through.
      expect(await page.getByTestId('error').textContent()).toContain('/api/_auth/session answered 401 without the module\'s error body')
      expect(await text(page, 'status')).toBe('authenticated')
      expect(new URL(page.url()).pathname).toBe('/profile')
    }
    finally {
      await backend.fault('/api/_auth/session', 'none')
    }
    await page.getByTestId('recheck').click()
    await page.getByTestId('error').waitFor({ state: 'detached' })
    expect(await text(page, 'status')).toBe('authenticated')
    expect((await session.context.cookies()).find(entry => entry.name === 'auth.token')?.value).toBe(token)
    await session.assertClean()
  })

  it('a token the backend refused is out of the server\'s session cache at once: the session route, API routes, a page render', async () => {
    const user = newUser()
    await backend.register(user)
    const token = await backend.login(user.email, user.password)
    const cookie = { cookie: `auth.token=${token}` }
    // A route under `auth: { required: true }` puts the session into the server's cache.
    expect((await fetch(`${baseURL}/api/account/ping`, { headers: cookie })).status).toBe(200)
    await fetch(`${baseURL}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
    // The browser's check asks the backend, which refuses the token: the cookie goes…
    const check = await fetch(`${baseURL}/api/_auth/session`, { headers: cookie })
    expect(check.status).toBe(200)
    expect(await check.json()).toEqual({ session: null })
    expect(check.headers.get('set-cookie')).toMatch(/auth\.token=;.*Max-Age=0/i)
    expect(check.headers.get('cache-control')).toBe('private, no-store')
    // …and no request to this server gets in with it any more, by cookie or by header.
    expect((await fetch(`${baseURL}/api/account/ping`, { headers: cookie })).status).toBe(401)
    expect((await fetch(`${baseURL}/api/account/ping`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401)
    const render = await fetch(`${baseURL}/profile`, { headers: cookie, redirect: 'manual' })
    expect(render.status).toBe(302)
    expect(await render.text()).not.toContain(user.email)
  })

  it('refuses a request body over auth.maxBodyBytes with 413 before reading it (same-origin JSON, declared or streamed)', async () => {
    // A server of its own, whose log this test reads.
    const server = await serveBuilt(fileURLToPath(new URL('../fixtures/local-httponly', import.meta.url)), {}, { readyPath: '/api/_test/counters' })
    try {
      const headers = { 'content-type': 'application/json', 'origin': server.baseURL }
      const declared = await fetch(`${server.baseURL}/api/_auth/signin`, { method: 'POST', headers, body: JSON.stringify({ credentials: { email: 'x'.repeat(70_000) } }) })
      expect(declared.status).toBe(413)
      const chunk = new TextEncoder().encode(`{"credentials":{"email":"${'y'.repeat(16_000)}`)
      for (const route of ['signup', 'signin']) {
        const streamed = await streamedPost(`${server.baseURL}/api/_auth/${route}`, headers, Array.from({ length: 8 }, () => chunk))
        expect(streamed, route).toEqual({ status: 413, chunksSent: expect.any(Number) })
        // Answered while the body was still on its way: not read to the end first.
        expect(streamed.chunksSent, route).toBeLessThan(8)
      }
      expect(await new Backend(server.baseURL).count('POST /api/auth/register')).toBe(0)
      // And answered cleanly: an early answer once tore the connection down under Nitro (an uncaughtException each).
      expect(await settledOutput(server)).not.toMatch(/uncaught|TypeError/i)
    }
    finally {
      server.stop()
    }
  })

  it('refuses a cross-site form post to the sign-in relay (login CSRF)', async () => {
    const user = newUser()
    await backend.register(user)
    const form = await fetch(`${baseURL}/api/_auth/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' },
      body: new URLSearchParams({ email: user.email, password: user.password }),
    })
    expect(form.status).toBe(403)
    expect(form.headers.get('set-cookie')).toBeNull()
    // Every answer of the module's routes is this visitor's alone, refusals included.
    expect(form.headers.get('cache-control')).toBe('private, no-store')
    const crossSiteJson = await fetch(`${baseURL}/api/_auth/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' },
      body: JSON.stringify({ credentials: { email: user.email, password: user.password } }),
    })
    expect(crossSiteJson.status).toBe(403)
    // Without Sec-Fetch-Site (plain http, old browsers) the Origin decides.
    const foreignOrigin = await fetch(`${baseURL}/api/_auth/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'origin': 'https://evil.example' },
      body: JSON.stringify({ credentials: { email: user.email, password: user.password } }),
    })
    expect(foreignOrigin.status).toBe(403)
    // A form can send multipart with a "boundary" that merely mentions JSON: not JSON.
    const disguised = await fetch(`${baseURL}/api/_auth/signin`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=application/json', 'origin': baseURL },
      body: JSON.stringify({ credentials: { email: user.email, password: user.password } }),
    })
    expect(disguised.status).toBe(403)
    expect(await backend.count('POST /api/auth/login')).toBe(0)
    // The same request from the app itself passes.
    const sameOrigin = await fetch(`${baseURL}/api/_auth/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'origin': baseURL },
      body: JSON.stringify({ credentials: { email: user.email, password: user.password } }),
    })
    expect(sameOrigin.status).toBe(200)
    expect(sameOrigin.headers.get('set-cookie')).toMatch(/auth\.token=.+HttpOnly/i)
    expect(sameOrigin.headers.get('cache-control')).toBe('private, no-store')
  })

  it('a backend that sends its answer too slowly is a TIMEOUT within requestTimeout, body included', async () => {
    const user = newUser()
    await backend.register(user)
    const token = await backend.login(user.email, user.password)
    // The backend's headers come at once, its body a few bytes at a time over about 3 s (requestTimeout: 1.5 s).
    await backend.fault('/api/auth/session', 'trickle')
    const relayed = await fetch(`${baseURL}/api/_auth/session`, { headers: { cookie: `auth.token=${token}` } })
    expect(relayed.status).toBe(504)
    expect((await relayed.json()).data.authError.code).toBe('TIMEOUT')
  })

  it('passes on only the extra headers auth.relayHeaders allows, and describes the browser\'s request itself', async () => {
    const user = newUser()
    await backend.register(user)
    // signIn's fourth argument as a hostile page script could fill it, and forwarding headers of its own.
    const hostile = {
      'True-Client-IP': '6.6.6.1', 'X-Client-IP': '6.6.6.2', 'CF-Connecting-IP': '6.6.6.3', 'X-Real-IP': '6.6.6.4',
      'X-Forwarded-For': '6.6.6.5', 'X-Forwarded-Host': 'evil.example', 'Forwarded': 'for=6.6.6.6', 'Host': 'evil.example',
      'X-Original-URL': '/admin', 'X-Rewrite-URL': '/admin', 'X-HTTP-Method-Override': 'DELETE', 'Origin': 'https://evil.example',
      'Referer': 'https://evil.example/', 'User-Agent': 'forged', 'Authorization': 'Bearer forged', 'Cookie': 'a=b', 'X-Unlisted': 'dropped',
    }
    const response = await fetch(`${baseURL}/api/_auth/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'origin': baseURL, 'x-forwarded-for': '10.1.2.3', 'user-agent': 'the-browser/1.0' },
      body: JSON.stringify({ credentials: { email: user.email, password: user.password }, headers: { ...hostile, 'Accept-Language': 'de-CH', 'X-Tenant': 'acme' } }),
    })
    expect(response.status).toBe(200)
    const received = (await (await fetch(`${baseURL}/api/_test/last-headers`)).json() as Record<string, Record<string, string>>)['POST /api/auth/login']!
    expect(received['accept-language']).toBe('de-CH')
    expect(received['x-tenant']).toBe('acme')
    for (const name of ['true-client-ip', 'x-client-ip', 'cf-connecting-ip', 'x-real-ip', 'forwarded', 'x-original-url', 'x-rewrite-url', 'x-http-method-override', 'origin', 'referer', 'authorization', 'cookie', 'x-unlisted']) {
      expect(received[name], name).toBeUndefined()
    }
    // The chain the request came with, then the address this server saw it come from.
    expect(received['x-forwarded-for']).toMatch(/^10\.1\.2\.3, (?:::ffff:)?127\.0\.0\.1$/)
    expect(received['x-forwarded-host']).toBe(new URL(baseURL).host)
    expect(received['x-forwarded-proto']).toBe('http')
    expect(received['user-agent']).toBe('the-browser/1.0')
  })

  it('NUXT_AUTH_RELAY_HEADERS at run time: "a, b" works, a name that may never be relayed is dropped and logged once; a backend 404 is logged', async () => {
    const server = await serveBuilt(fileURLToPath(new URL('../fixtures/local-httponly', import.meta.url)), { NUXT_AUTH_RELAY_HEADERS: 'X-Tenant, cookie' }, { readyPath: '/api/_test/counters' })
    try {
      const other = new Backend(server.baseURL)
      const user = newUser()
      await other.register(user)
      for (let attempt = 0; attempt < 2; attempt++) {
        const response = await fetch(`${server.baseURL}/api/_auth/signin`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'origin': server.baseURL },
          body: JSON.stringify({ credentials: { email: user.email, password: user.password }, headers: { 'X-Tenant': 'acme', 'Cookie': 'a=b', 'Accept-Language': 'de-CH' } }),
        })
        expect(response.status).toBe(200)
      }
      const received = (await (await fetch(`${server.baseURL}/api/_test/last-headers`)).json() as Record<string, Record<string, string>>)['POST /api/auth/login']!
      expect(received['x-tenant']).toBe('acme')
      expect(received.cookie).toBeUndefined()
      // The list replaced the default (accept-language).
      expect(received['accept-language']).toBeUndefined()
      expect((await settledOutput(server)).match(/NUXT_AUTH_RELAY_HEADERS\) lists "cookie"/g)).toHaveLength(1)

      // A 404 from the backend is the set-up's fault: the browser gets the code, the log the URL and the option.
      await other.fault('/api/auth/login', '404')
      const misrouted = await fetch(`${server.baseURL}/api/_auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json', 'origin': server.baseURL }, body: JSON.stringify({ credentials: { email: user.email, password: user.password } }) })
      expect(misrouted.status).toBe(404)
      const body = await misrouted.text()
      expect(JSON.parse(body).data.authError.code).toBe('BAD_REQUEST')
      expect(body).not.toContain('/api/auth/login')
      expect(await settledOutput(server)).toMatch(/relay: BAD_REQUEST: .*\/api\/auth\/login.*endpoints\.signIn/)
    }
    finally {
      server.stop()
    }
  })

  it('a token cookie that could never be sent (line feed, CR, NUL, non-Latin-1) is no token: SSR and the session route', async () => {
    for (const value of ['a%0Ab', 'a%0Db', 'a%00b', 'a%E2%82%ACb']) {
      const render = await fetch(`${baseURL}/profile`, { headers: { cookie: `auth.token=${value}` }, redirect: 'manual' })
      expect(render.status, value).toBe(302)
      expect(render.headers.get('location'), value).toBe('/login?redirect=/profile')
      expect(render.headers.getSetCookie().some(header => header.startsWith('auth.token=;')), `${value} cleared`).toBe(true)
      const relayed = await fetch(`${baseURL}/api/_auth/session`, { headers: { cookie: `auth.token=${value}` } })
      expect(relayed.status, value).toBe(200)
      expect(await relayed.json(), value).toEqual({ session: null })
    }
  })

  it('a session answer that echoes the token reaches neither the HTML nor page scripts (SSR, the session and sign-in routes)', async () => {
    const user = newUser()
    await backend.register(user)
    const token = await backend.login(user.email, user.password)
    await backend.fault('/api/auth/session', 'echo-token')
    try {
      const html = await (await fetch(`${baseURL}/profile`, { headers: { cookie: `auth.token=${token}` } })).text()
      expect(html).toContain('echo@example.test')
      expect(html).not.toContain(token.split('.')[2])
      const relayed = await (await fetch(`${baseURL}/api/_auth/session`, { headers: { cookie: `auth.token=${token}` } })).json()
      // The rest of the session stays as the backend answered it.
      expect(relayed).toEqual({ session: { id: 'echo', name: 'Echo', email: 'echo@example.test', roles: ['user'], auth: { tokens: ['kept'] } } })
      const signIn = await fetch(`${baseURL}/api/_auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json', 'origin': baseURL }, body: JSON.stringify({ credentials: { email: user.email, password: user.password } }) })
      expect(signIn.status).toBe(200)
      const body = await signIn.text()
      expect(body).toContain('echo@example.test')
      expect(body).not.toMatch(/accessToken|Bearer/)
    }
    finally {
      await backend.fault('/api/auth/session', 'none')
    }
  })

  it('never renders the token into the HTML', async () => {
    const user = newUser()
    await backend.register(user)
    const token = await backend.login(user.email, user.password)
    const html = await (await fetch(`${baseURL}/profile`, { headers: { cookie: `auth.token=${token}` } })).text()
    expect(html).toContain(user.email)
    expect(html).not.toContain(token.split('.')[2])
  })
})
