import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { $fetch } from 'ofetch'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { AuthError } from '../../src/runtime/core/errors'
import { requestEndpoint } from '../../src/runtime/shared/request'
import { reachableHeapBytes } from './support/heap'

// A backend: fixed answers by path; anything else gets its headers at once and then its (valid JSON) body
// one byte every 100 ms.
const ANSWERS: Record<string, string> = {
  '/proto': '{"user":{"name":"Ada","__proto__":{"isAdmin":true}}}',
  '/deep': `{"user":${'['.repeat(5000)}${']'.repeat(5000)}}`,
  '/just-deep-enough': `{"user":${'['.repeat(60)}${']'.repeat(60)}}`,
  '/large': JSON.stringify({ user: { name: 'Ada', bio: 'x'.repeat(200_000) } }),
}
// Answers that ask to wait. The dated one is dated long ago: its wait is read against the answer's own `Date`.
const WAITS: Record<string, { status: number, headers: Record<string, string> }> = {
  '/limited': { status: 429, headers: { 'retry-after': '30' } },
  '/limited-until': { status: 429, headers: { 'date': 'Thu, 01 Jan 2015 00:00:00 GMT', 'retry-after': 'Thu, 01 Jan 2015 00:01:30 GMT' } },
  '/limited-unsaid': { status: 429, headers: {} },
  '/limited-unreadable': { status: 429, headers: { 'retry-after': 'soon' } },
  '/maintenance': { status: 503, headers: { 'retry-after': '120' } },
}
let server: Server
let baseURL = ''
beforeAll(async () => {
  vi.stubGlobal('$fetch', $fetch)
  server = createServer((request, response) => {
    if (request.url === '/headers') {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify(request.headers))
      return
    }
    if (request.url === '/created' || request.url === '/html') {
      response.writeHead(201, { 'content-type': request.url === '/html' ? 'text/html' : 'text/plain' })
      response.end(request.url === '/html' ? '<!doctype html><p>app</p>' : 'User created')
      return
    }
    const waiting = WAITS[request.url ?? '']
    if (waiting) {
      response.writeHead(waiting.status, { 'content-type': 'application/json', ...waiting.headers })
      response.end('{"statusMessage":"Slow down"}')
      return
    }
    if (request.url === '/missing') {
      response.writeHead(404, { 'content-type': 'text/plain' })
      response.end('Not Found')
      return
    }
    const fixed = ANSWERS[request.url ?? '']
    if (fixed !== undefined) {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(fixed)
      return
    }
    response.writeHead(200, { 'content-type': 'application/json' })
    const body = JSON.stringify({ user: { id: 'slow' } })
    let sent = 0
    const timer = setInterval(() => {
      if (response.destroyed) return clearInterval(timer)
      response.write(body[sent++])
      if (sent === body.length) {
        clearInterval(timer)
        response.end()
      }
    }, 100)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => {
  vi.unstubAllGlobals()
  server.closeAllConnections()
  server.close()
})

describe('requestTimeout', () => {
  it('covers the response body: a backend that trickles it is a TIMEOUT, not a request held for seconds', async () => {
    const deps = { baseURL, timeout: 300, tokens: { authorization: () => null } }
    const failure = await requestEndpoint(deps, { path: '/session', method: 'get' }, 'getSession').catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(AuthError)
    expect((failure as AuthError).code).toBe('TIMEOUT')
  })

  it('answers even when the fetch ignores the abort signal (Nitro\'s in-process fetch)', async () => {
    vi.stubGlobal('$fetch', { raw: () => new Promise(() => {}) })
    try {
      const deps = { baseURL, timeout: 200, tokens: { authorization: () => null } }
      const failure = await requestEndpoint(deps, { path: '/session', method: 'get' }, 'getSession').catch((error: unknown) => error)
      expect((failure as AuthError).code).toBe('TIMEOUT')
    }
    finally {
      vi.stubGlobal('$fetch', $fetch)
    }
  })

  it('holds nothing of an exchange once it has ended: 100 answers of 200 kB are collectable at once', async () => {
    const deps = { baseURL, timeout: 60_000, tokens: { authorization: () => null } }
    const calls = async (count: number) => {
      for (let call = 0; call < count; call++) await requestEndpoint(deps, { path: '/large', method: 'get' }, 'getSession')
    }
    await calls(5)
    const before = reachableHeapBytes()
    await calls(100)
    // Held until the deadline, the raw answers would be 20 MB.
    expect(reachableHeapBytes() - before).toBeLessThan(5_000_000)
  })
})

describe('what a backend answer may hold', () => {
  const deps = () => ({ baseURL, timeout: 5000, tokens: { authorization: () => null } })

  it.each([
    ['/proto', '"__proto__"'],
    ['/deep', 'nested deeper than 64 levels'],
  ])('%s is a BAD_RESPONSE naming the reason, never data handed to the app', async (path, reason) => {
    const failure = await requestEndpoint(deps(), { path, method: 'get' }, 'getSession').catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(AuthError)
    expect((failure as AuthError).code).toBe('BAD_RESPONSE')
    expect((failure as AuthError).message).toContain(reason)
    expect((failure as AuthError).message).toContain(`${baseURL}${path}`)
  })

  it('nesting within the limit is accepted', async () => {
    expect(await requestEndpoint(deps(), { path: '/just-deep-enough', method: 'get' }, 'getSession')).toHaveProperty('user')
  })
})

describe('errors that say where to look', () => {
  it('a 404 names the URL and the option that configures the endpoint', async () => {
    const failure = await requestEndpoint({ baseURL, timeout: 5000, tokens: { authorization: () => null } }, { path: '/missing', method: 'get' }, 'getSession').catch((error: unknown) => error) as AuthError
    expect(failure.code).toBe('BAD_REQUEST')
    expect(failure.message).toContain(`${baseURL}/missing`)
    expect(failure.message).toContain('auth.provider.endpoints.getSession')
    expect(failure.message).toContain('auth.baseURL')
  })
})

describe('a backend that asks to wait', () => {
  const failureAt = async (path: string) => await requestEndpoint({ baseURL, timeout: 5000, tokens: { authorization: () => null } }, { path, method: 'post' }, 'signIn').catch((error: unknown) => error) as AuthError

  it.each([
    ['/limited', 'RATE_LIMITED', 30_000],
    ['/limited-until', 'RATE_LIMITED', 90_000],
    ['/limited-unsaid', 'RATE_LIMITED', undefined],
    ['/limited-unreadable', 'RATE_LIMITED', undefined],
    ['/maintenance', 'SERVER', 120_000],
  ])('%s: %s, retryAfterMs %s', async (path, code, retryAfterMs) => {
    const failure = await failureAt(path)
    expect(failure).toBeInstanceOf(AuthError)
    expect(failure.code).toBe(code)
    expect(failure.retryAfterMs).toBe(retryAfterMs)
    expect(failure.isVerdict).toBe(false)
    expect(failure.message).toContain(`${baseURL}${path}`)
    // The backend's body stays for the app, as for other refusals.
    expect(failure.data).toEqual({ statusMessage: 'Slow down' })
  })
})

describe('answers that are not JSON', () => {
  const deps = () => ({ baseURL, timeout: 5000, tokens: { authorization: () => null } })

  it('are a BAD_RESPONSE, except as text where the caller takes the answer as it is (sign-up\'s "User created")', async () => {
    const failure = await requestEndpoint(deps(), { path: '/created', method: 'post' }, 'getSession').catch((error: unknown) => error) as AuthError
    expect(failure.code).toBe('BAD_RESPONSE')
    expect(await requestEndpoint(deps(), { path: '/created', method: 'post' }, 'signUp', { textAnswer: true })).toBe('User created')
  })

  it('an HTML page is a BAD_RESPONSE even then: a wrong baseURL answered with the app', async () => {
    const failure = await requestEndpoint(deps(), { path: '/html', method: 'post' }, 'signUp', { textAnswer: true }).catch((error: unknown) => error) as AuthError
    expect(failure.code).toBe('BAD_RESPONSE')
    expect(failure.message).toContain('auth.baseURL')
  })
})

describe('the render mark', () => {
  const mark = { 'x-gatekeeper-render': 'this-process' }
  const deps = (host: string) => ({ baseURL, timeout: 5000, tokens: { authorization: () => null }, renderMark: mark, incomingHeaders: () => ({ host }) })

  it('goes to this very server only: a full URL with the visitor\'s host gets it, another host does not', async () => {
    const own = await requestEndpoint<Record<string, string>>(deps(new URL(baseURL).host), { path: '/headers', method: 'get' }, 'getSession')
    expect(own['x-gatekeeper-render']).toBe('this-process')
    // The same backend reached for a site served under another host: a backend elsewhere never learns the mark.
    const elsewhere = await requestEndpoint<Record<string, string>>(deps('app.example'), { path: '/headers', method: 'get' }, 'getSession')
    expect(elsewhere).toHaveProperty('accept')
    expect(elsewhere).not.toHaveProperty('x-gatekeeper-render')
  })
})

describe('the auth:request hook', () => {
  it('that takes longer than requestTimeout fails the request with TIMEOUT, unsent: a refresh under a lock cannot outlast it', async () => {
    let sent = 0
    const fetchSpy = vi.fn((...args: Parameters<typeof $fetch.raw>) => {
      sent++
      return $fetch.raw(...args)
    })
    vi.stubGlobal('$fetch', Object.assign((...args: Parameters<typeof $fetch>) => $fetch(...args), { raw: fetchSpy }))
    try {
      const callHook = (async (name: string) => {
        if (name === 'auth:request') await new Promise(() => {})
      }) as never
      const failure = await requestEndpoint({ baseURL, timeout: 100, tokens: { authorization: () => null }, callHook }, { path: '/headers', method: 'get' }, 'refresh').catch((error: unknown) => error) as AuthError
      expect({ code: failure.code, message: failure.message, sent }).toEqual({ code: 'TIMEOUT', message: expect.stringContaining('auth:request hook of the refresh request'), sent: 0 })
      // A quick hook is waited for, and the request goes out.
      const quick = (async () => {}) as never
      await expect(requestEndpoint({ baseURL, timeout: 100, tokens: { authorization: () => null }, callHook: quick }, { path: '/headers', method: 'get' }, 'refresh')).resolves.toHaveProperty('host')
      expect(sent).toBe(1)
    }
    finally {
      vi.stubGlobal('$fetch', $fetch)
    }
  })
})

describe('the auth:response hook', () => {
  it('is not waited for: a hook that waits for what waits for this request (a sign-out for the tab lock a refresh holds) does not hold it forever', async () => {
    let requestDone!: () => void
    const afterRequest = new Promise<void>(resolve => (requestDone = resolve))
    const seen: number[] = []
    const callHook = (async (name: string, context: { status?: number }) => {
      if (name !== 'auth:response') return
      seen.push(context.status!)
      // As `await signOut()`: it can only go on once the operation that made this request has finished.
      await afterRequest
    }) as never
    const deps = { baseURL, timeout: 5000, tokens: { authorization: () => null }, callHook }
    const outcome = await Promise.race([
      requestEndpoint(deps, { path: '/headers', method: 'get' }, 'getSession').then(() => 'answered'),
      new Promise(resolve => setTimeout(resolve, 2000, 'still waiting for the hook')),
    ])
    requestDone()
    expect(outcome).toBe('answered')
    expect(seen).toEqual([200])
  })

  it('that throws is logged, and the answer stands', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const callHook = (async (name: string) => {
      if (name === 'auth:response') throw new Error('metrics down')
    }) as never
    const deps = { baseURL, timeout: 5000, tokens: { authorization: () => null }, callHook }
    await expect(requestEndpoint(deps, { path: '/headers', method: 'get' }, 'getSession')).resolves.toMatchObject({ host: expect.any(String) })
    await vi.waitFor(() => expect(logged).toHaveBeenCalledWith(expect.stringContaining('auth:response hook threw'), expect.any(Error)))
    logged.mockRestore()
  })
})
