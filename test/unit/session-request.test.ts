import { createApp, eventHandler, toNodeListener } from 'h3'
import { fetchNodeRequestHandler } from 'node-mock-http'
import { createStorage, prefixStorage } from 'unstorage'
import { describe, expect, it, vi } from 'vitest'
import { AuthError, type TokenResult } from '../../src/runtime/core'
import type { PublicAuthConfig } from '../../src/runtime/core/config'
import { createSessionKeys } from '../../src/runtime/server/sessions/keys'
import { createProcessLock, type NamedLock } from '../../src/runtime/server/sessions/lock'
import { commitRequestSession, loadRequestSession, requestSession, sessionJar } from '../../src/runtime/server/sessions/request'
import { createSessionService, type SessionSettings, type SessionTokens } from '../../src/runtime/server/sessions/store'

const settings: SessionSettings = { enabled: true, storage: 'memory', secret: '', redisUrl: '', redisBase: 'gatekeeper', fsBase: '', cookieName: 'gatekeeper.session', sameSite: 'lax', idleTimeout: 600, maxAge: 6000, userIdPointer: '/id', maxEntries: 100 }
// The token store's cookie names, which the session jar maps onto the stored tokens.
const config = { token: { cookie: { name: 'auth.token' } }, refreshToken: { cookie: { name: 'auth.refresh-token' } } } as unknown as PublicAuthConfig

async function sessions(storage = prefixStorage(createStorage(), 'sessions')) {
  return createSessionService({ storage, storageName: 'memory', keys: await createSessionKeys(['a-test-secret-0123456789abcdef0123456789']), settings, lock: createProcessLock(1000), expiresKeys: false, bounded: true })
}

/** A request to a sign-in route whose backend answered with `answered`: what the relay's sign-in writes and commits. */
function signInRoute(service: Awaited<ReturnType<typeof sessions>>, answered: SessionTokens) {
  return toNodeListener(createApp().use('/signin', eventHandler(async (event) => {
    const state = await loadRequestSession(event, service)
    const jar = sessionJar(state, config)
    jar.write({ name: 'auth.token' } as never, answered.token)
    jar.write({ name: 'auth.refresh-token' } as never, answered.refreshToken)
    await jar.commit!({ session: { id: 'u1' } })
    return { handle: state.open?.handle ?? null }
  })))
}

describe('a sign-in in session mode', () => {
  it('starts a session under a new id, and ends the one the request came with, also when the backend hands out the tokens that session holds', async () => {
    const service = await sessions()
    const tokens = { token: 'eyJ.same-access', refreshToken: 'same-refresh' }
    const planted = await service.create(tokens, { userId: 'u1', userAgent: 'Test/1', ip: '127.0.0.1' })
    const cookie = `${settings.cookieName}=${await service.keys.sign(planted.id)}`

    const response = await fetchNodeRequestHandler(signInRoute(service, tokens) as never, '/signin', { method: 'POST', headers: { cookie } })
    const { handle } = await response.json() as { handle: string | null }

    expect(handle).not.toBeNull()
    expect(handle).not.toBe(planted.handle)
    // The browser is given the new session's id, and the id it came with opens nothing any more.
    const setCookie = response.headers.getSetCookie().find(line => line.startsWith(`${settings.cookieName}=`))
    expect(setCookie).toBeDefined()
    expect(setCookie).not.toContain(await service.keys.sign(planted.id))
    expect(await service.read(planted.handle)).toBeNull()
    expect((await service.read(handle!))?.tokens).toEqual(tokens)
  })

  it('whose new session cannot be stored answers with the storage error, and the session the request came with keeps its own tokens (not the new user\'s)', async () => {
    // A storage whose next write of a session record fails (a Redis command that timed out), once armed.
    const base = prefixStorage(createStorage(), 'sessions')
    let failNextWrite = false
    const storage = { ...base, async setItem(key: string, value: unknown, options?: unknown) {
      if (failNextWrite && key.startsWith('s:')) {
        failNextWrite = false
        throw new Error('Command timed out')
      }
      return await base.setItem(key, value as never, options as never)
    } } as typeof base
    const service = await sessions(storage)
    const previous = await service.create({ token: 'eyJ.ada', refreshToken: 'ada-refresh' }, { userId: 'ada', userAgent: 'Test/1', ip: '127.0.0.1' })
    const cookie = `${settings.cookieName}=${await service.keys.sign(previous.id)}`
    // As the server plugin does: what a request wrote and did not store itself is stored before the answer leaves.
    const app = createApp({ onBeforeResponse: async (event) => {
      const state = requestSession(event)
      if (state) await commitRequestSession(state).catch(() => {})
    } })
    app.use('/signin', eventHandler(async (event) => {
      const state = await loadRequestSession(event, service)
      const jar = sessionJar(state, config)
      jar.write({ name: 'auth.token' } as never, 'eyJ.bob')
      jar.write({ name: 'auth.refresh-token' } as never, 'bob-refresh')
      failNextWrite = true
      const failed = await jar.commit!({ session: { id: 'bob' } }).then(() => null, (error: AuthError) => error.code)
      return { failed }
    }))
    const response = await fetchNodeRequestHandler(toNodeListener(app) as never, '/signin', { method: 'POST', headers: { cookie } })
    expect(await response.json()).toEqual({ failed: 'NETWORK' })
    expect(failNextWrite).toBe(false)
    // The browser's cookie still opens Ada's session with Ada's tokens, and the answer gives no other session's cookie.
    expect((await service.read(previous.handle))?.tokens).toEqual({ token: 'eyJ.ada', refreshToken: 'ada-refresh' })
    expect(response.headers.getSetCookie().filter(line => line.startsWith(`${settings.cookieName}=`))).toEqual([])
  })

  it('starts a new session for a request that came without one', async () => {
    const service = await sessions()
    const tokens = { token: 'eyJ.access', refreshToken: 'refresh' }
    const response = await fetchNodeRequestHandler(signInRoute(service, tokens) as never, '/signin', { method: 'POST' })
    const { handle } = await response.json() as { handle: string | null }
    expect((await service.read(handle!))?.tokens).toEqual(tokens)
    expect(response.headers.getSetCookie().some(line => line.startsWith(`${settings.cookieName}=`))).toBe(true)
  })

  it('rotates the __Host- cookie the browser presents, Secure, also on a request that reached the server without https', async () => {
    const service = await sessions()
    const planted = await service.create({ token: 'eyJ.old', refreshToken: 'old' }, { userId: 'u1', userAgent: 'Test/1', ip: '127.0.0.1' })
    const cookie = `__Host-${settings.cookieName}=${await service.keys.sign(planted.id)}`
    const response = await fetchNodeRequestHandler(signInRoute(service, { token: 'eyJ.new', refreshToken: 'new' }) as never, '/signin', { method: 'POST', headers: { cookie } })
    const { handle } = await response.json() as { handle: string }
    const written = response.headers.getSetCookie()
    // The cookie the browser holds is the one replaced, with the new session's id; no plain, non-Secure one is
    // planted beside it.
    expect(written.filter(line => line.startsWith(`${settings.cookieName}=`))).toEqual([])
    const hostOnly = written.find(line => line.startsWith(`__Host-${settings.cookieName}=`))
    expect(hostOnly).toMatch(/; Secure/)
    expect(hostOnly).toMatch(/; Path=\//)
    const id = await service.keys.verify(decodeURIComponent(hostOnly!.split(';')[0]!.split('=').slice(1).join('=')))
    expect(id && service.handleOf(id)).toBe(handle)
  })

  it('deletes a plain session cookie the browser still sends beside the __Host- one (written before without https), so it cannot name a session once the __Host- one is gone', async () => {
    const service = await sessions()
    const current = await service.create({ token: 'eyJ.current', refreshToken: 'current' }, { userId: 'u1', userAgent: 'Test/1', ip: '127.0.0.1' })
    const stray = await service.create({ token: 'eyJ.stray', refreshToken: 'stray' }, { userId: 'u1', userAgent: 'Test/1', ip: '127.0.0.1' })
    const cookie = `__Host-${settings.cookieName}=${await service.keys.sign(current.id)}; ${settings.cookieName}=${await service.keys.sign(stray.id)}`
    const response = await fetchNodeRequestHandler(signInRoute(service, { token: 'eyJ.new', refreshToken: 'new' }) as never, '/signin', { method: 'POST', headers: { cookie } })
    const plain = response.headers.getSetCookie().find(line => line.startsWith(`${settings.cookieName}=`))
    expect(plain).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/)
  })
})

/**
 * A session whose access token has expired, and a route that refreshes it with `refresh`: `ask()` sends one request
 * with the session's cookie and resolves with how its refresh failed (null: it did not); `started()` counts the
 * requests that have asked for a refresh.
 */
async function sessionRefreshedBy(refresh: () => Promise<never>) {
  let started = 0
  const service = await sessions()
  const opened = await service.create({ token: 'eyJ.expired', refreshToken: 'r1' }, { userId: 'u1', userAgent: 'Test/1', ip: '127.0.0.1' })
  const cookie = `${settings.cookieName}=${await service.keys.sign(opened.id)}`
  const route = toNodeListener(createApp().use('/refresh', eventHandler(async (event) => {
    const jar = sessionJar(await loadRequestSession(event, service), config)
    started++
    const failed = await jar.refreshExclusive!(refresh).then(() => null, (error: AuthError) => ({ code: error.code, retryAfterMs: error.retryAfterMs }))
    return { failed }
  })))
  const ask = async () => (await (await fetchNodeRequestHandler(route as never, '/refresh', { method: 'POST', headers: { cookie } })).json() as { failed: { code: string, retryAfterMs?: number } | null }).failed
  return { service, opened, ask, started: () => started }
}

describe('a refresh in session mode', () => {
  it('after a 429 with Retry-After, requests of that session during the wait get the refusal with the time left, without asking the backend again', async () => {
    let asked = 0
    const { service, opened, ask } = await sessionRefreshedBy(async () => {
      asked++
      throw new AuthError('RATE_LIMITED', 'Too many refreshes', { status: 429, retryAfterMs: 30_000 })
    })
    const answers = []
    for (let request = 0; request < 3; request++) answers.push(await ask())
    expect(asked).toBe(1)
    for (const refused of answers) {
      expect(refused?.code).toBe('RATE_LIMITED')
      expect(refused!.retryAfterMs).toBeGreaterThan(25_000)
      expect(refused!.retryAfterMs).toBeLessThanOrEqual(30_000)
    }
    // The session and its tokens stay: a rate limit is no verdict.
    expect((await service.read(opened.handle))?.tokens).toEqual({ token: 'eyJ.expired', refreshToken: 'r1' })
    // Tokens another request (another instance) got meanwhile are no longer the ones refused: they are refreshed.
    await service.replaceTokens(opened.handle, { token: 'eyJ.expired', refreshToken: 'r1' }, { token: 'eyJ.other', refreshToken: 'r2' })
    await ask()
    expect(asked).toBe(2)
  })
})

describe('a refresh in session mode that fails without a verdict', () => {
  it('gives the requests that waited on it its error, without spending the same refresh token again; a later request tries again', async () => {
    let asked = 0
    const { service, opened, ask, started } = await sessionRefreshedBy(async () => {
      asked++
      // The backend rotated r1 and did not answer in time; spending r1 again would be a reuse. It answers once the
      // page's other requests have asked too (they wait on the session's lock).
      await vi.waitFor(() => expect(started()).toBeGreaterThanOrEqual(3))
      throw new AuthError('TIMEOUT', 'The refresh took too long')
    })
    // A page's requests at once: one refreshes, the others wait on the session's lock.
    expect((await Promise.all([ask(), ask(), ask()])).map(failed => failed?.code)).toEqual(['TIMEOUT', 'TIMEOUT', 'TIMEOUT'])
    expect(asked).toBe(1)
    // No verdict: the session keeps its tokens, and a request that comes afterwards asks the backend again.
    expect((await service.read(opened.handle))?.tokens).toEqual({ token: 'eyJ.expired', refreshToken: 'r1' })
    expect((await ask())?.code).toBe('TIMEOUT')
    expect(asked).toBe(2)
  })
})

describe('a refresh in session mode whose lock was lost while the backend answered', () => {
  /** A session with an expired access token, and a route that refreshes it with `backend` as the relay does: a verdict clears the tokens, and the answer commits. */
  async function refreshedThroughLostLock(backend: () => Promise<TokenResult>) {
    // A lock that holds nothing (Redis restarted or failed over while requests refreshed): each of them spends r1.
    const lost: NamedLock = { fleetWide: true, acquire: async () => async () => {} }
    const service = createSessionService({ storage: prefixStorage(createStorage(), 'sessions'), storageName: 'redis', keys: await createSessionKeys(['a-test-secret-0123456789abcdef0123456789']), settings, lock: lost, expiresKeys: false, bounded: true })
    const opened = await service.create({ token: 'eyJ.expired', refreshToken: 'r1' }, { userId: 'u1', userAgent: 'Test/1', ip: '127.0.0.1' })
    const cookie = `${settings.cookieName}=${await service.keys.sign(opened.id)}`
    const route = toNodeListener(createApp().use('/refresh', eventHandler(async (event) => {
      const jar = sessionJar(await loadRequestSession(event, service), config)
      const failed = await jar.refreshExclusive!(backend).then(() => null, (error: AuthError) => error.code)
      if (failed === 'REFRESH_REFUSED') {
        jar.write({ name: 'auth.token' } as never, null)
        jar.write({ name: 'auth.refresh-token' } as never, null)
      }
      await jar.commit!()
      return { failed, holds: jar.read('auth.refresh-token') }
    })))
    const ask = async () => await (await fetchNodeRequestHandler(route as never, '/refresh', { method: 'POST', headers: { cookie } })).json()
    return { service, opened, ask }
  }

  /**
   * Two requests of the session at once through the lost lock: the backend answers the first with `rotated` once the
   * second has spent r1 too, and refuses the second (as a reuse, or a revocation) after the first has answered.
   */
  async function racingRefreshes(rotated: TokenResult) {
    let spent = 0
    let firstAnswered!: () => void
    const answered = new Promise<void>(resolve => firstAnswered = resolve)
    const { service, opened, ask } = await refreshedThroughLostLock(async () => {
      if (++spent === 1) {
        await vi.waitFor(() => expect(spent).toBe(2))
        return rotated
      }
      await answered
      throw new AuthError('REFRESH_REFUSED', 'The refresh token was used before, or revoked', { status: 401 })
    })
    const first = ask()
    await vi.waitFor(() => expect(spent).toBe(1))
    const second = ask()
    const firstAnswer = await first
    firstAnswered()
    return { first: firstAnswer, second: await second, stored: (await service.read(opened.handle))?.tokens ?? null }
  }

  it('takes a refusal of a pair the session no longer holds as none of the session: it goes on with the successor another request stored', async () => {
    const { first, second, stored } = await racingRefreshes({ token: 'eyJ.next', refreshToken: 'r2' })
    expect(first).toEqual({ failed: null, holds: 'r2' })
    expect(second).toEqual({ failed: null, holds: 'r2' })
    expect(stored).toEqual({ token: 'eyJ.next', refreshToken: 'r2' })
  })

  it('still ends the session on a refusal of the refresh token it holds, also when only the access token changed meanwhile (refreshOnlyToken)', async () => {
    // A backend that keeps the refresh token (refreshOnlyToken) and then revokes it.
    const { first, second, stored } = await racingRefreshes({ token: 'eyJ.next' })
    expect(first).toEqual({ failed: null, holds: 'r1' })
    expect(second).toEqual({ failed: 'REFRESH_REFUSED', holds: null })
    expect(stored).toBeNull()
  })

  it('still ends the session on a refusal of the pair it holds', async () => {
    const { service, opened, ask } = await refreshedThroughLostLock(async () => {
      throw new AuthError('REFRESH_REFUSED', 'The refresh token was revoked', { status: 401 })
    })
    expect(await ask()).toEqual({ failed: 'REFRESH_REFUSED', holds: null })
    expect(await service.read(opened.handle)).toBeNull()
  })
})

describe('a refresh in session mode whose answer no header can carry', () => {
  it('is BAD_RESPONSE, and the stored session keeps its tokens (it stored them, and the next read dropped them)', async () => {
    const service = await sessions()
    const opened = await service.create({ token: 'eyJ.expired', refreshToken: 'r1' }, { userId: 'u1', userAgent: 'Test/1', ip: '127.0.0.1' })
    const app = toNodeListener(createApp().use('/refresh', eventHandler(async (event) => {
      const jar = sessionJar(await loadRequestSession(event, service), config)
      return { code: await jar.refreshExclusive!(async () => ({ token: 'Bearer eyJ.next', refreshToken: 'r2' })).then(() => 'ok', (error: AuthError) => error.code) }
    })))
    const response = await fetchNodeRequestHandler(app as never, '/refresh', { method: 'POST', headers: { cookie: `${settings.cookieName}=${await service.keys.sign(opened.id)}` } })
    expect(await response.json()).toEqual({ code: 'BAD_RESPONSE' })
    expect((await service.read(opened.handle))?.tokens).toEqual({ token: 'eyJ.expired', refreshToken: 'r1' })
  })
})

describe('the end of a session in session mode', () => {
  /** A route that ends the request's session as the relay does: a verdict clears the tokens; a sign-out also commits `signedOut`. */
  function endingRoute(service: Awaited<ReturnType<typeof sessions>>, how: 'verdict' | 'sign-out') {
    return toNodeListener(createApp().use('/end', eventHandler(async (event) => {
      const jar = sessionJar(await loadRequestSession(event, service), config)
      jar.write({ name: 'auth.token' } as never, null)
      jar.write({ name: 'auth.refresh-token' } as never, null)
      await jar.commit!(how === 'sign-out' ? { signedOut: true } : undefined)
      return { ok: true }
    })))
  }

  it.each(['verdict', 'sign-out'] as const)('%s: the stored session ends at once; only a sign-out deletes the cookie (a verdict\'s answer may land after a sign-in\'s)', async (how) => {
    const service = await sessions()
    const opened = await service.create({ token: 'eyJ.refused', refreshToken: 'r1' }, { userId: 'u1', userAgent: 'Test/1', ip: '127.0.0.1' })
    const response = await fetchNodeRequestHandler(endingRoute(service, how) as never, '/end', { method: 'POST', headers: { cookie: `${settings.cookieName}=${await service.keys.sign(opened.id)}` } })
    expect(response.status).toBe(200)
    expect(await service.read(opened.handle)).toBeNull()
    const deleted = response.headers.getSetCookie().filter(line => line.startsWith(`${settings.cookieName}=;`))
    expect(deleted).toHaveLength(how === 'sign-out' ? 1 : 0)
  })

  it('a sign-out while another request refreshes the session waits for it and takes the successor, which the backend must hear of', async () => {
    const service = await sessions()
    const opened = await service.create({ token: 'eyJ.expired', refreshToken: 'r1' }, { userId: 'u1', userAgent: 'Test/1', ip: '127.0.0.1' })
    const cookie = `${settings.cookieName}=${await service.keys.sign(opened.id)}`
    let answer = () => {}
    const refreshing = (async () => {
      const app = toNodeListener(createApp().use('/refresh', eventHandler(async (event) => {
        const jar = sessionJar(await loadRequestSession(event, service), config)
        await jar.refreshExclusive!(() => new Promise(resolve => answer = () => resolve({ token: 'eyJ.next', refreshToken: 'r2' })))
        return { ok: true }
      })))
      return await fetchNodeRequestHandler(app as never, '/refresh', { method: 'POST', headers: { cookie } })
    })()
    await new Promise(resolve => setTimeout(resolve, 20))
    // The sign-out loaded the session while the refresh held its lock: r1, already spent at the backend.
    const signingOut = (async () => {
      const app = toNodeListener(createApp().use('/signout', eventHandler(async (event) => {
        const jar = sessionJar(await loadRequestSession(event, service), config)
        const loaded = jar.read('auth.refresh-token')
        await jar.settle!()
        return { loaded, told: jar.read('auth.refresh-token') }
      })))
      return await fetchNodeRequestHandler(app as never, '/signout', { method: 'POST', headers: { cookie } })
    })()
    await new Promise(resolve => setTimeout(resolve, 20))
    answer()
    expect((await refreshing).status).toBe(200)
    expect(await (await signingOut).json()).toEqual({ loaded: 'r1', told: 'r2' })
  })
})
