import { describe, expect, it, vi } from 'vitest'
import { AuthError } from '../../src/runtime/core/errors'
import { dedupeServerRefresh, endServerRefresh, supersedeServerRefresh } from '../../src/runtime/shared/refresh-dedupe'
import { requestEndpoint } from '../../src/runtime/shared/request'
import { BROWSER_COOKIE_BYTES, createTokenStore, withoutTokenValues, type CookieJar } from '../../src/runtime/shared/token-store'
import { refreshOnServer, supersedingSignIn } from '../../src/runtime/shared/server-refresh'
import { reachableHeapBytes } from './support/heap'
import type { ClientStrategy, StrategyContext } from '../../src/runtime/core'

const cookie = (name: string) => ({ name, maxAge: 60, sameSite: 'lax' as const, secure: false, httpOnly: false })
const config = {
  token: { cookie: cookie('auth.token'), headerName: 'Authorization', type: 'Bearer', maxAgeInSeconds: 60 },
  refreshToken: { cookie: cookie('auth.refresh-token'), headerName: '', type: '', maxAgeInSeconds: 60 },
}

function memoryJar(initial: Record<string, string>) {
  const values = new Map(Object.entries(initial))
  const writes: Array<[string, string | null]> = []
  const jar: CookieJar = {
    read: name => values.get(name) ?? null,
    write: (c, value) => {
      writes.push([c.name, value])
      if (value === null) values.delete(c.name)
      else values.set(c.name, value)
    },
  }
  return { jar, values, writes }
}

describe('token store', () => {
  it.each([
    ['a line feed', 'a\nb'],
    ['a carriage return', 'a\rb'],
    ['a NUL', 'a\u0000b'],
    ['non-Latin-1 text', 'tök€n'],
    ['a space', 'a b'],
  ])('a token cookie holding %s is no token, and is removed', (_label, value) => {
    const { jar, values, writes } = memoryJar({ 'auth.token': value, 'auth.refresh-token': value })
    const store = createTokenStore(jar, config)
    expect(store.token()).toBeNull()
    expect(store.refreshToken()).toBeNull()
    expect(store.authorization()).toBeNull()
    expect(values.size).toBe(0)
    expect(writes).toEqual([['auth.token', null], ['auth.refresh-token', null]])
  })

  it('checks a cookie again once its value changes (a sendable value read before does not vouch for the next)', () => {
    const { jar, values } = memoryJar({ 'auth.token': 'good' })
    const store = createTokenStore(jar, config)
    expect(store.token()).toBe('good')
    expect(store.token()).toBe('good')
    values.set('auth.token', 'bad\nvalue')
    expect(store.token()).toBeNull()
    expect(values.has('auth.token')).toBe(false)
    values.set('auth.token', 'good')
    expect(store.token()).toBe('good')
  })

  it('keeps and formats a sendable token; writes only what it is given', () => {
    const { jar, writes } = memoryJar({ 'auth.token': 'eyJ.a-b_c.~9', 'auth.refresh-token': 'r1' })
    const store = createTokenStore(jar, config)
    expect(store.authorization()).toEqual({ name: 'Authorization', value: 'Bearer eyJ.a-b_c.~9' })
    store.write({ refreshToken: 'r2' })
    expect(writes).toEqual([['auth.refresh-token', 'r2']])
    expect(store.token()).toBe('eyJ.a-b_c.~9')
  })

  it('a token its cookie cannot hold in a browser is BAD_RESPONSE with its size and the fix, and nothing of the pair is written', () => {
    const { jar, writes } = memoryJar({ 'auth.token': 'old-access', 'auth.refresh-token': 'old-refresh' })
    const store = createTokenStore({ ...jar, maxCookieBytes: BROWSER_COOKIE_BYTES }, config)
    // 'auth.refresh-token=' is 19 bytes: 4077 more fit exactly, one more does not.
    store.write({ token: 'fits', refreshToken: 'r'.repeat(4077) })
    expect(writes).toHaveLength(2)
    const failure = (() => {
      try {
        store.write({ token: 'new-access', refreshToken: 'r'.repeat(4078) })
      }
      catch (error) {
        return error as AuthError
      }
    })()
    expect(failure).toBeInstanceOf(AuthError)
    expect(failure!.code).toBe('BAD_RESPONSE')
    expect(failure!.message).toBe('The refresh token makes a 4097-byte cookie (auth.refresh-token); browsers drop cookies over 4096 bytes. Issue smaller tokens, or use auth.sessions')
    // The access token was not written either: half a pair would be worse than none.
    expect(writes).toHaveLength(2)
    expect(store.token()).toBe('fits')
    // A jar without the limit (server-side sessions keep tokens in storage) takes any size.
    const { jar: sessionJar, values } = memoryJar({})
    createTokenStore(sessionJar, config).write({ token: 'a'.repeat(10_000) })
    expect(values.get('auth.token')).toHaveLength(10_000)
  })

  it.each([
    ['its type in front', 'Bearer eyJ.a.b', 'r2'],
    ['a line feed in the refresh token', 'eyJ.a.b', 'r\n2'],
  ])('a token a header cannot carry (%s) is BAD_RESPONSE, and nothing of the pair is written: never a sign-in the next read drops', (_label, token, refreshToken) => {
    const { jar, writes } = memoryJar({ 'auth.token': 'old-access', 'auth.refresh-token': 'old-refresh' })
    const store = createTokenStore(jar, config)
    expect(() => store.write({ token, refreshToken })).toThrowError(expect.objectContaining({ code: 'BAD_RESPONSE', message: expect.stringContaining('no header can carry') }))
    expect(writes).toEqual([])
    expect([store.token(), store.refreshToken()]).toEqual(['old-access', 'old-refresh'])
  })
})

describe('a session as it leaves the server', () => {
  it('holds none of the request\'s tokens, nor their header value, wherever the backend echoed them; the rest as it was', () => {
    const store = createTokenStore(memoryJar({ 'auth.token': 'eyJ.access', 'auth.refresh-token': 'refresh-1' }).jar, config)
    const session = { id: 1, accessToken: 'eyJ.access', nested: { refresh: 'refresh-1', header: 'Bearer eyJ.access', list: ['eyJ.access', 'kept', { token: 'refresh-1', name: 'n' }] }, name: 'eyJ' }
    expect(withoutTokenValues(session, store)).toEqual({ id: 1, nested: { list: ['kept', { name: 'n' }] }, name: 'eyJ' })
    // Copied, not changed in place (the server's session cache shares the object).
    expect(session.accessToken).toBe('eyJ.access')
    // Without tokens (signed out, Auth.js), or without one in it, the session as it is: not even copied.
    const none = createTokenStore(memoryJar({}).jar, config)
    expect(withoutTokenValues(session, none)).toBe(session)
    const clean = { id: 1, nested: { list: ['a', { name: 'eyJ' }] } }
    expect(withoutTokenValues(clean, store)).toBe(clean)
  })
})

describe('building a backend request', () => {
  it('a header that cannot be sent is BAD_REQUEST before anything is sent, never NETWORK', async () => {
    const deps = { baseURL: 'http://127.0.0.1:9', timeout: 1000, tokens: { authorization: () => null } }
    const failure = await requestEndpoint(deps, { path: '/session', method: 'get' }, 'signIn', { headers: { 'x-tenant': 'a\nb' } }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(AuthError)
    expect((failure as AuthError).code).toBe('BAD_REQUEST')
    expect((failure as AuthError).isVerdict).toBe(false)
    expect((failure as AuthError).message).toContain('x-tenant')
  })
})

describe('server-side refresh de-duplication', () => {
  it('shares one in-flight refresh, but hands nothing to a later replay of the spent pair', async () => {
    let calls = 0
    let release: () => void = () => {}
    const refresh = () => {
      calls += 1
      return new Promise<{ token: string }>((resolve) => {
        release = () => resolve({ token: `tokens-${calls}` })
      })
    }
    const first = dedupeServerRefresh('spent-r', refresh)
    const second = dedupeServerRefresh('spent-r', refresh)
    await new Promise(resolve => setTimeout(resolve, 0))
    release()
    expect(await Promise.all([first, second])).toEqual([{ token: 'tokens-1' }, { token: 'tokens-1' }])
    expect(calls).toBe(1)
    // A replay of the same cookies after the refresh settled goes to the backend (whose reuse detection sees it).
    const replay = dedupeServerRefresh('spent-r', refresh)
    await new Promise(resolve => setTimeout(resolve, 0))
    release()
    expect(await replay).toEqual({ token: 'tokens-2' })
    expect(calls).toBe(2)
  })

  it('stays joinable until the answer with the successor has left the server, and no longer', async () => {
    let calls = 0
    const refresh = async () => ({ token: `tokens-${++calls}` })
    // Resolves with true once the answer has left (see responseSent).
    let sent: () => void = () => {}
    const answered = () => new Promise<boolean>((resolve) => {
      sent = () => resolve(true)
    })
    expect(await dedupeServerRefresh('r-held', refresh, { answered })).toEqual({ token: 'tokens-1' })
    // The backend has answered, the browser not yet: the same pair (a reload of that tab) joins.
    expect(await dedupeServerRefresh('r-held', refresh, { answered })).toEqual({ token: 'tokens-1' })
    expect(calls).toBe(1)
    sent()
    await new Promise(resolve => setTimeout(resolve, 0))
    // Delivered: the pair is spent, a replay goes to the backend.
    expect(await dedupeServerRefresh('r-held', refresh)).toEqual({ token: 'tokens-2' })
    expect(calls).toBe(2)
  })

  it('with httpOnly cookies (graceMs): a pair presented soon after its answer left still gets the successor, later not', async () => {
    vi.useFakeTimers()
    try {
      let calls = 0
      const refresh = async () => ({ token: `tokens-${++calls}` })
      let sent: () => void = () => {}
      const answered = () => new Promise<boolean>((resolve) => {
        sent = () => resolve(true)
      })
      expect(await dedupeServerRefresh('r-grace', refresh, { answered, graceMs: 10_000 })).toEqual({ token: 'tokens-1' })
      sent()
      await vi.advanceTimersByTimeAsync(9_000)
      // A request the browser queued behind the refresh, sent with the spent pair: the same successor.
      expect(await dedupeServerRefresh('r-grace', refresh, { answered, graceMs: 10_000 })).toEqual({ token: 'tokens-1' })
      expect(calls).toBe(1)
      await vi.advanceTimersByTimeAsync(1_001)
      expect(await dedupeServerRefresh('r-grace', refresh)).toEqual({ token: 'tokens-2' })
    }
    finally {
      vi.useRealTimers()
    }
  })

  it('during that grace it keeps the successor, and nothing of the request that refreshed', async () => {
    const before = reachableHeapBytes()
    // Each refresh's closure reaches its request (here 2 MB of it), as the real one reaches the event.
    const refreshes = Array.from({ length: 10 }, (_, index) => {
      const request = { index, body: Array.from({ length: 50_000 }, (_, item) => ({ item })) }
      return async () => ({ token: `tokens-of-${request.index}-${request.body.length}` })
    })
    for (const [index, refresh] of refreshes.entries()) {
      expect(await dedupeServerRefresh(`r-kept-${index}`, refresh, { answered: async () => true, graceMs: 10_000 })).toEqual({ token: `tokens-of-${index}-50000` })
    }
    refreshes.length = 0
    await new Promise(resolve => setTimeout(resolve, 0))
    // Still in the grace: the spent pair gets its successor without a refresh.
    expect(await dedupeServerRefresh('r-kept-3', async () => ({ token: 'refreshed again' }), { graceMs: 10_000 })).toEqual({ token: 'tokens-of-3-50000' })
    // Ten requests kept for the grace would be 20 MB.
    expect(reachableHeapBytes() - before).toBeLessThan(5_000_000)
  })

  it.each([
    [true, 1],
    [false, 2],
  ])('refreshOnServer gives that grace only to httpOnly cookies (httpOnly %s: %i refreshes for a late request)', async (httpOnly, refreshes) => {
    const cookies = {
      token: { ...config.token, cookie: { ...config.token.cookie, httpOnly } },
      refreshToken: { ...config.refreshToken, cookie: { ...config.refreshToken.cookie, httpOnly } },
    }
    let calls = 0
    const strategy = { refresh: async () => ({ token: `access-${++calls}`, refreshToken: `refresh-${calls}` }) } as unknown as ClientStrategy<unknown>
    const pair = { 'auth.token': `old-access-${httpOnly}`, 'auth.refresh-token': `old-refresh-${httpOnly}` }
    // Two requests of one browser with the same spent pair, the second after the first's answer left.
    await refreshOnServer(strategy, {} as StrategyContext<unknown>, createTokenStore(memoryJar({ ...pair }).jar, cookies), async () => true)
    await new Promise(resolve => setTimeout(resolve, 0))
    const late = createTokenStore(memoryJar({ ...pair }).jar, cookies)
    await refreshOnServer(strategy, {} as StrategyContext<unknown>, late, async () => true)
    expect(calls).toBe(refreshes)
    expect(late.refreshToken()).toBe(`refresh-${refreshes}`)
  })

  describe.each([
    ['a sign-in (as anybody)', 'SUPERSEDED', (refreshToken: string) => supersedeServerRefresh(refreshToken)],
    ['a sign-out', 'REFRESH_REFUSED', (refreshToken: string) => endServerRefresh(refreshToken)],
  ])('httpOnly cookies: %s while another request refreshes the tokens it held', (_label, code, end) => {
    const httpOnlyCookies = {
      token: { ...config.token, cookie: { ...config.token.cookie, httpOnly: true } },
      refreshToken: { ...config.refreshToken, cookie: { ...config.refreshToken.cookie, httpOnly: true } },
    }

    it(`that request gets ${code}, and from then on reads no token and writes no cookie (its answer comes after the other one's)`, async () => {
      const pair = { 'auth.token': `access-${code}`, 'auth.refresh-token': `refresh-${code}` }
      let answer!: () => void
      const strategy = { refresh: () => new Promise(resolve => answer = () => resolve({ token: 'previous-users-next', refreshToken: 'previous-users-next-refresh' })) } as unknown as ClientStrategy<unknown>
      const { jar, writes } = memoryJar({ ...pair })
      const refreshing = createTokenStore(jar, httpOnlyCookies)
      const outcome = refreshOnServer(strategy, {} as StrategyContext<unknown>, refreshing, async () => true).then(() => 'ok', (error: AuthError) => error.code)
      await new Promise(resolve => setTimeout(resolve, 5))
      // A sign-out waits for the refresh's answer (to end its successor at the backend), so it is let through after the mark.
      const ending = end(pair['auth.refresh-token'])
      await new Promise(resolve => setTimeout(resolve, 5))
      answer()
      await ending
      expect(await outcome).toBe(code)
      // What the request would do next, on a verdict or to answer: nothing reaches its response.
      refreshing.clear()
      refreshing.write({ token: 'anything' })
      expect(writes).toEqual([])
      expect([refreshing.token(), refreshing.refreshToken(), refreshing.authorization()]).toEqual([null, null, null])
    })
  })

  it('a sign-in takes the refresh token held before it (read before the sign-in writes the new one)', async () => {
    const { jar } = memoryJar({ 'auth.token': 'a-access', 'auth.refresh-token': 'a-refresh-superseded' })
    const store = createTokenStore(jar, config)
    let answer!: () => void
    const strategy = { refresh: () => new Promise(resolve => answer = () => resolve({ token: 'a-next', refreshToken: 'a-next-refresh' })) } as unknown as ClientStrategy<unknown>
    const other = createTokenStore(memoryJar({ 'auth.token': 'a-access', 'auth.refresh-token': 'a-refresh-superseded' }).jar, { ...config, refreshToken: { ...config.refreshToken, cookie: { ...config.refreshToken.cookie, httpOnly: true } } })
    const outcome = refreshOnServer(strategy, {} as StrategyContext<unknown>, other, async () => true).then(() => 'ok', (error: AuthError) => error.code)
    const supersede = supersedingSignIn(store)
    // The sign-in writes the new user's tokens before it supersedes: the token taken is the one from before.
    store.write({ token: 'b-access', refreshToken: 'b-refresh' })
    await supersede()
    answer()
    expect(await outcome).toBe('SUPERSEDED')
  })

  it('a sign-in whose backend hands out the same refresh token again supersedes nothing: that refresh\'s answer is the new session\'s too', async () => {
    const httpOnly = { ...config, refreshToken: { ...config.refreshToken, cookie: { ...config.refreshToken.cookie, httpOnly: true } } }
    let answer!: () => void
    const strategy = { refresh: () => new Promise(resolve => answer = () => resolve({ token: 'same-user-next' })) } as unknown as ClientStrategy<unknown>
    const other = createTokenStore(memoryJar({ 'auth.token': 'a-access', 'auth.refresh-token': 'fixed-refresh' }).jar, httpOnly)
    const outcome = refreshOnServer(strategy, {} as StrategyContext<unknown>, other, async () => true).then(() => 'ok', (error: AuthError) => error.code)
    const signingIn = createTokenStore(memoryJar({ 'auth.token': 'a-access', 'auth.refresh-token': 'fixed-refresh' }).jar, httpOnly)
    const supersede = supersedingSignIn(signingIn)
    signingIn.write({ token: 'a-access-new', refreshToken: 'fixed-refresh' })
    await supersede()
    answer()
    expect(await outcome).toBe('ok')
  })

  it('requests of one burst share the refresh whether their access cookie was still there or had run out (its Max-Age)', async () => {
    let calls = 0
    const answers: Array<() => void> = []
    const strategy = {
      refresh: () => new Promise(resolve => answers.push(() => resolve({ token: `access-${++calls}`, refreshToken: `refresh-${calls}` }))),
    } as unknown as ClientStrategy<unknown>
    const withAccess = createTokenStore(memoryJar({ 'auth.token': 'old-access-burst', 'auth.refresh-token': 'refresh-burst' }).jar, config)
    const withoutAccess = createTokenStore(memoryJar({ 'auth.refresh-token': 'refresh-burst' }).jar, config)
    const both = Promise.all([withAccess, withoutAccess].map(tokens => refreshOnServer(strategy, {} as StrategyContext<unknown>, tokens, async () => true)))
    await new Promise(resolve => setTimeout(resolve, 0))
    for (const answer of answers) answer()
    await both
    expect({ calls, refreshTokens: [withAccess.refreshToken(), withoutAccess.refreshToken()] }).toEqual({ calls: 1, refreshTokens: ['refresh-1', 'refresh-1'] })
  })
})
