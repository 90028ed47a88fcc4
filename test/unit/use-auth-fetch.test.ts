// useAuthFetch with what callers pass besides a path: a Request, headers as a list, a body that can be read once,
// a signal. Real ofetch over a fetch that builds the real Request the network would see.
import { createFetch } from 'ofetch'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createTokenStore, type CookieJar } from '../../src/runtime/shared/token-store'

vi.mock('#imports', () => ({ useNuxtApp: () => ({}), useRequestEvent: () => undefined }))
vi.mock('../../src/runtime/app/composables/useAuth', () => ({ useAuthManager: () => ({}) }))

const { createAuthFetch } = await import('../../src/runtime/app/auth-fetch')

const cookie = (name: string) => ({ name, maxAge: 600, sameSite: 'lax' as const, secure: false, httpOnly: false })
const config = { token: { cookie: cookie('t'), headerName: 'Authorization', type: 'Bearer', maxAgeInSeconds: 600 }, refreshToken: { cookie: cookie('r'), headerName: '', type: '', maxAgeInSeconds: 600 } }

interface Sent { url: string, headers: Record<string, string>, body: string | null }
let sent: Sent[] = []
let answers: number[] = []

async function network(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const request = typeof input === 'string' ? new Request(new URL(input, 'http://app.example/'), init) : new Request(input as RequestInfo, init)
  sent.push({ url: request.url, headers: Object.fromEntries(request.headers), body: request.body ? await request.text() : null })
  const status = answers.shift() ?? 200
  return new Response(JSON.stringify({ status }), { status, headers: { 'content-type': 'application/json' } })
}

function setup(refresherOf: Record<string, unknown> | null | ((jar: Map<string, string>) => Record<string, unknown>) = null) {
  const jar = new Map<string, string>([['t', 'T1'], ['r', 'R1']])
  const refresher = typeof refresherOf === 'function' ? refresherOf(jar) : refresherOf
  const memoryJar: CookieJar = { read: name => jar.get(name) ?? null, write: (c, value) => (value === null ? jar.delete(c.name) : jar.set(c.name, value)) }
  const tokens = { ...createTokenStore(memoryJar, config), readable: true, sync() {} }
  const manager = { tokens, config: { token: config.token }, refresher: () => refresher, getSession: vi.fn(async () => null), endSession: vi.fn(async () => true) }
  return { authFetch: createAuthFetch(manager as never), jar, manager }
}

/** A refresher whose refresh after a 401 stores T2. */
function renewing(jar: Map<string, string>) {
  return {
    refreshIfNeeded: async () => 'fresh',
    refreshAfterUnauthorized: vi.fn(async () => {
      jar.set('t', 'T2')
      return 'refreshed'
    }),
  }
}

beforeEach(() => {
  sent = []
  answers = []
  vi.stubGlobal('$fetch', createFetch({ fetch: network as typeof fetch, defaults: { baseURL: 'http://app.example/' } }))
})
afterEach(() => {
  vi.unstubAllGlobals()
})

describe('useAuthFetch', () => {
  it('a Request keeps its own headers beside the token (ofetch sends the options\' headers instead of them)', async () => {
    const { authFetch } = setup()
    await authFetch(new Request('http://app.example/api/orders', { headers: { 'x-csrf-token': 'abc', 'accept-language': 'de' } }) as never)
    expect(sent[0]!.headers).toMatchObject({ 'authorization': 'Bearer T1', 'x-csrf-token': 'abc', 'accept-language': 'de' })
  })

  it('a Request\'s headers stay when there is no token to add (signed out, or httpOnly cookies), and the options\' replace them whatever their case', async () => {
    const { authFetch, jar } = setup()
    jar.clear()
    await authFetch(new Request('http://app.example/api/orders', { headers: { 'x-csrf-token': 'abc', 'content-type': 'application/json' } }) as never, { headers: { 'Content-Type': 'text/plain' } })
    expect(sent[0]!.headers).toMatchObject({ 'x-csrf-token': 'abc', 'content-type': 'text/plain' })
    expect(sent[0]!.headers.authorization).toBeUndefined()
  })

  it('headers as a list with a name twice keep both values, as fetch sends them', async () => {
    const { authFetch } = setup()
    await authFetch('/api/x', { headers: [['x-tag', 'a'], ['x-tag', 'b']] })
    expect(sent[0]!.headers).toMatchObject({ 'authorization': 'Bearer T1', 'x-tag': 'a, b' })
  })

  it('a 401 to a body that can be read once (an upload stream): one refresh, no second send, the 401 for the caller', async () => {
    let refresher!: ReturnType<typeof renewing>
    const made = setup(jar => refresher = renewing(jar))
    answers = [401, 200]
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('payload'))
        controller.close()
      },
    })
    const error = await made.authFetch('/api/upload', { method: 'POST', body: body as never, duplex: 'half' } as never).catch((failure: unknown) => failure) as { statusCode?: number }
    expect(refresher.refreshAfterUnauthorized).toHaveBeenCalledTimes(1)
    expect(sent).toHaveLength(1)
    expect(error.statusCode).toBe(401)
    // The next call goes with the fresh token.
    await made.authFetch('/api/after')
    expect(sent[1]!.headers.authorization).toBe('Bearer T2')
  })

  it('a Request with a body (judged by its method: Firefox gives a Request no body to look at) is not sent again after a 401', async () => {
    let refresher!: ReturnType<typeof renewing>
    const made = setup(jar => refresher = renewing(jar))
    answers = [401, 200]
    const error = await made.authFetch(new Request('http://app.example/api/orders', { method: 'POST', body: 'order' }) as never).catch((failure: unknown) => failure) as { statusCode?: number }
    expect(refresher.refreshAfterUnauthorized).toHaveBeenCalledTimes(1)
    expect(sent).toHaveLength(1)
    expect(error.statusCode).toBe(401)
  })

  it('a 401 to a body sent again as it is (JSON) is retried once with the fresh token', async () => {
    const made = setup(renewing)
    answers = [401, 200]
    expect(await made.authFetch('/api/orders', { method: 'POST', body: { item: 1 } })).toEqual({ status: 200 })
    expect(sent.map(request => [request.headers.authorization, request.body])).toEqual([['Bearer T1', '{"item":1}'], ['Bearer T2', '{"item":1}']])
  })

  it('a caller who aborts while the refresh before the call waits gets the signal\'s reason at once; the call is never sent', async () => {
    let release!: () => void
    const refresher = { refreshIfNeeded: vi.fn(() => new Promise<string>(resolve => release = () => resolve('refreshed'))), refreshAfterUnauthorized: vi.fn() }
    const { authFetch } = setup(refresher)
    const controller = new AbortController()
    const call = authFetch('/api/x', { signal: controller.signal }).then(() => 'sent', (error: unknown) => error)
    await new Promise(resolve => setTimeout(resolve, 5))
    controller.abort(new Error('left the page'))
    expect(await call).toEqual(new Error('left the page'))
    release()
    await new Promise(resolve => setTimeout(resolve, 5))
    expect(sent).toHaveLength(0)
    // A call aborted before it starts waits for no refresh at all.
    const calls = refresher.refreshIfNeeded.mock.calls.length
    expect(await authFetch('/api/y', { signal: AbortSignal.abort(new Error('gone')) }).catch((error: unknown) => error)).toEqual(new Error('gone'))
    expect(refresher.refreshIfNeeded.mock.calls.length).toBe(calls)
  })
})
