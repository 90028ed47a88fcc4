import { afterEach, describe, expect, it } from 'vitest'
import type { GuardInput } from '../../src/runtime/core/guard'
import { authErrorFix } from '../../src/runtime/app/dev-log'
import { createDevtoolsLog, LOG_LIMITS, type DevLogChannel } from '../../src/runtime/app/devtools/log'
import { describeToken } from '../../src/runtime/app/devtools/token'
import { devRefresh, devRefreshTrigger, devSignal, setDevSink } from '../../src/runtime/app/devtools/record'
import { AuthError } from '../../src/runtime/core/errors'

// The data source of the Nuxt DevTools tab (development only): what the runtime's signals and the auth hooks
// turn into, as the tab shows it.

const input = (overrides: Partial<GuardInput> = {}): GuardInput => ({
  meta: true,
  protectByDefault: false,
  status: 'unauthenticated',
  hasToken: false,
  checkFailed: false,
  isLoginPage: false,
  isNotFound: false,
  allow404WithoutAuth: true,
  ...overrides,
})

function clientLog(options: Partial<Parameters<typeof createDevtoolsLog>[0]> = {}) {
  let now = 1_000_000
  const log = createDevtoolsLog({ side: 'client', tabId: 'tab-a', now: () => now, fixFor: authErrorFix, ...options })
  setDevSink(log.record)
  return { log, advance: (ms: number) => (now += ms) }
}

const settle = () => new Promise(resolve => setTimeout(resolve, 0))

/** Two tabs' channels, joined: what one posts, the other hears (as BroadcastChannel does). */
function channelPair(): [DevLogChannel, DevLogChannel] {
  const listeners: Array<Set<(message: unknown) => void>> = [new Set(), new Set()]
  const end = (mine: number): DevLogChannel => ({
    post: message => listeners[1 - mine]!.forEach(listener => listener(structuredClone(message))),
    listen(onMessage) {
      listeners[mine]!.add(onMessage)
      return () => listeners[mine]!.delete(onMessage)
    },
  })
  return [end(0), end(1)]
}

afterEach(() => setDevSink(undefined))

describe('devtools log: guard decisions', () => {
  it('says the verdict, the target and why, for each kind of page', () => {
    const { log } = clientLog()
    devSignal({ type: 'guard', route: '/profile', input: input(), action: 'login', target: '/login?redirect=%2Fprofile', global: false, origin: 'navigation' })
    devSignal({ type: 'guard', route: '/stats', input: input({ meta: undefined, protectByDefault: true, status: 'authenticated', hasToken: true }), action: 'allow', target: null, global: true, origin: 'navigation' })
    devSignal({ type: 'guard', route: '/old', input: input({ meta: undefined, protectByDefault: true }), action: 'login', target: '/login', global: false, origin: 'navigation' })
    devSignal({ type: 'guard', route: '/guest', input: input({ meta: 'guest', status: 'authenticated', hasToken: true }), action: 'authenticated-redirect', target: '/', global: false, origin: 'navigation' })
    devSignal({ type: 'guard', route: '/tokens', input: input({ status: 'loading', hasToken: true }), action: 'wait', target: null, global: false, origin: 'navigation' })
    devSignal({ type: 'guard', route: '/posts', input: input({ status: 'loading', hasToken: true, checkFailed: true }), action: 'login', target: '/login?redirect=%2Fposts', global: false, origin: 'verdict' })
    devSignal({ type: 'guard', route: '/login', input: input({ isLoginPage: true }), action: 'allow', target: null, global: true, origin: 'navigation' })
    devSignal({ type: 'guard', route: '/', input: input({ meta: false }), action: 'allow', target: null, global: true, origin: 'navigation' })
    devSignal({ type: 'access', route: '/admin', roles: ['admin'], can: false, target: 403 })

    const guard = log.entries().guard.reverse()
    expect(guard.map(entry => [entry.route, entry.verdict, entry.target])).toEqual([
      ['/profile', 'login', '/login?redirect=%2Fprofile'],
      ['/stats', 'allow', undefined],
      ['/old', 'login', '/login'],
      ['/guest', 'redirect', '/'],
      ['/tokens', 'wait', undefined],
      ['/posts', 'login', '/login?redirect=%2Fposts'],
      ['/login', 'allow', undefined],
      ['/', 'allow', undefined],
      ['/admin', 'forbidden', '403'],
    ])
    const why = guard.map(entry => entry.why)
    expect(why[0]).toBe('page meta auth: true (protected page); signed out')
    expect(why[1]).toBe('no auth page meta: protected by globalAppMiddleware; signed in')
    expect(why[2]).toBe('protected: the page lists the auth middleware; signed out')
    expect(why[3]).toBe('page meta auth: \'guest\' (guest-only page); signed in')
    expect(why[4]).toContain('waits for the one session check')
    expect(why[5]).toContain('the session check failed without a verdict')
    expect(why[5]).toContain('applied again after a verdict outside a navigation')
    expect(why[6]).toContain('the login page is exempt')
    expect(why[7]).toBe('page meta auth: false (public page)')
    expect(why[8]).toContain('the page needs roles ["admin"]')
    expect(guard.every(entry => entry.side === 'client')).toBe(true)
  })

  it('describes page meta objects without their functions', () => {
    const { log } = clientLog()
    const ability = { check: () => true }
    devSignal({ type: 'guard', route: '/post/1', input: input({ meta: { roles: ['editor'], can: ability as never }, status: 'authenticated', hasToken: true }), action: 'allow', target: null, global: false, origin: 'navigation' })
    expect(log.entries().guard[0]!.why).toBe('page meta auth: { roles: ["editor"], can: ƒ } (protected page); signed in')
  })

  it('keeps the newest decisions only', () => {
    const { log, advance } = clientLog()
    for (let index = 0; index < LOG_LIMITS.guard + 10; index++) {
      advance(1)
      devSignal({ type: 'guard', route: `/page/${index}`, input: input({ meta: false }), action: 'allow', target: null, global: false, origin: 'navigation' })
    }
    const guard = log.entries().guard
    expect(guard).toHaveLength(LOG_LIMITS.guard)
    expect(guard[0]!.route).toBe(`/page/${LOG_LIMITS.guard + 9}`)
  })
})

describe('devtools log: refreshes', () => {
  it('attributes each attempt to what triggered it, in this tab, with its outcome', async () => {
    const { log, advance } = clientLog()
    devRefreshTrigger('timer')
    devRefresh(Promise.resolve('refreshed'), { automatic: true, unauthorized: false })
    await settle()
    devRefreshTrigger('focus')
    devRefresh(Promise.resolve('adopted'), { automatic: true, unauthorized: false })
    await settle()
    // No trigger said: what the request tells.
    devRefresh(Promise.resolve('refreshed'), { automatic: false, unauthorized: true })
    devRefresh(Promise.resolve('fresh'), { automatic: true, unauthorized: false })
    await settle()
    devRefresh(Promise.resolve('refreshed'), { automatic: false, unauthorized: false })
    await settle()
    // A trigger whose call did not refresh (fresh token) is not pinned on the next attempt.
    devRefreshTrigger('fetch')
    await settle()
    let finish!: (outcome: string) => void
    devRefresh(new Promise<string>((resolve) => {
      finish = resolve
    }), { automatic: true, unauthorized: false })
    expect(log.entries().refreshes[0]).toMatchObject({ trigger: 'expired', outcome: 'pending', tab: 'tab-a' })
    advance(120)
    finish('refreshed')
    await settle()

    const refreshes = log.entries().refreshes.reverse()
    expect(refreshes.map(entry => [entry.trigger, entry.outcome])).toEqual([
      ['timer', 'refreshed'],
      ['focus', 'adopted'],
      ['401', 'refreshed'],
      ['expired', 'fresh'],
      ['manual', 'refreshed'],
      ['expired', 'refreshed'],
    ])
    expect(refreshes.every(entry => entry.tab === 'tab-a' && entry.side === 'client')).toBe(true)
    expect(refreshes.at(-1)!.durationMs).toBe(120)
  })

  it('tells a refused refresh (a verdict) from a failed one (session kept), with the code', async () => {
    const { log } = clientLog()
    devRefresh(Promise.reject(new AuthError('REFRESH_REFUSED', 'The refresh endpoint refused the refresh token', { status: 401 })), { automatic: true, unauthorized: false })
    devRefresh(Promise.reject(new AuthError('NETWORK', 'POST /api/_auth/refresh could not be reached')), { automatic: true, unauthorized: false })
    await settle()
    const [network, refused] = log.entries().refreshes
    expect(refused).toMatchObject({ outcome: 'refused', code: 'REFRESH_REFUSED' })
    expect(network).toMatchObject({ outcome: 'failed', code: 'NETWORK', message: 'POST /api/_auth/refresh could not be reached' })
  })

  it('a server render refreshes as "ssr"', async () => {
    const log = createDevtoolsLog({ side: 'server' })
    setDevSink(log.record)
    devRefresh(Promise.resolve('refreshed'), { automatic: true, unauthorized: false })
    await settle()
    expect(log.entries().refreshes[0]).toMatchObject({ trigger: 'ssr', tab: 'server', side: 'server', outcome: 'refreshed' })
  })

  it('shows another tab\'s refresh, with that tab\'s id', async () => {
    const [one, two] = channelPair()
    const tabA = createDevtoolsLog({ side: 'client', tabId: 'tab-a', channel: one })
    const tabB = createDevtoolsLog({ side: 'client', tabId: 'tab-b', channel: two })
    setDevSink(tabA.record)
    devRefreshTrigger('timer')
    devRefresh(Promise.resolve('refreshed'), { automatic: true, unauthorized: false })
    await settle()
    expect(tabB.entries().refreshes).toEqual([expect.objectContaining({ trigger: 'timer', tab: 'tab-a', fromOtherTab: true, outcome: 'refreshed' })])
    expect(tabA.entries().refreshes[0]!.fromOtherTab).toBeUndefined()
    tabA.dispose()
    tabB.dispose()
  })
})

describe('devtools log: events and errors', () => {
  it('gives set-up failures their fix (dev-log.ts) and outcomes of normal use their meaning', () => {
    const { log } = clientLog()
    log.event('error', 'getSession: GET /api/auth/session could not be reached', { code: 'NETWORK', operation: 'getSession' })
    log.event('error', 'signIn: wrong password', { code: 'INVALID_CREDENTIALS', status: 401, operation: 'signIn' })
    log.event('signedOut', 'the backend refused the refresh token')
    const [signedOut, credentials, network] = log.entries().events
    expect(network).toMatchObject({ name: 'error', code: 'NETWORK', fix: authErrorFix('NETWORK') })
    expect(network!.fix).toContain('is it running')
    expect(credentials!.fix).toMatch(/^normal use/)
    expect(signedOut!.fix).toBeUndefined()
    expect(authErrorFix('toString')).toBeUndefined()
  })

  it('shows a refused sign-up (409, 422) as the backend\'s answer, not as a fault of the endpoints\' options', () => {
    const { log } = clientLog()
    log.event('error', 'signUp: POST /api/auth/signup rejected the request (409)', { code: 'BAD_REQUEST', status: 409, operation: 'signUp' })
    log.event('error', 'signUp: POST /api/auth/signup rejected the request (422)', { code: 'BAD_REQUEST', status: 422, operation: 'signUp' })
    log.event('error', 'signIn: POST /api/auth/login rejected the request (404)', { code: 'BAD_REQUEST', status: 404, operation: 'signIn' })
    const [wrongPath, invalid, taken] = log.entries().events
    for (const refused of [taken, invalid]) {
      expect(refused!.fix).toMatch(/^normal use/)
      expect(refused!.fix).not.toContain('auth.provider.endpoints')
    }
    expect(wrongPath!.fix).toContain('auth.provider.endpoints')
  })

  it('keeps the log across reloads of the tab (sessionStorage); an attempt the page left unanswered is marked', async () => {
    const stored = new Map<string, string>()
    const storage = { getItem: (key: string) => stored.get(key) ?? null, setItem: (key: string, value: string) => void stored.set(key, value), removeItem: (key: string) => void stored.delete(key) }
    const { log } = clientLog({ storage })
    log.event('signedIn', 'signed in')
    devRefresh(new Promise(() => {}), { automatic: true, unauthorized: false })
    await settle()
    log.dispose()

    const reloaded = createDevtoolsLog({ side: 'client', tabId: 'tab-a', storage })
    expect(reloaded.entries().events.map(entry => entry.name)).toEqual(['signedIn'])
    expect(reloaded.entries().refreshes[0]!.outcome).toBe('interrupted')
  })

  it('merges the server\'s entries from each page\'s payload once', () => {
    const server = createDevtoolsLog({ side: 'server' })
    setDevSink(server.record)
    devSignal({ type: 'guard', route: '/profile', input: input(), action: 'login', target: '/login?redirect=%2Fprofile', global: false, origin: 'navigation' })
    const { log } = clientLog()
    log.merge(JSON.parse(JSON.stringify(server.entries())))
    log.merge(JSON.parse(JSON.stringify(server.entries())))
    log.merge({ guard: [{ nonsense: true }], events: 'no' })
    expect(log.entries().guard).toEqual([expect.objectContaining({ side: 'server', route: '/profile', verdict: 'login' })])
  })

  it('a sink that throws never reaches the app', () => {
    setDevSink(() => {
      throw new Error('broken tab')
    })
    expect(() => devSignal({ type: 'refresh-trigger', trigger: 'timer' })).not.toThrow()
  })
})

describe('devtools token view', () => {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const jwt = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: 'u1', iat: 1_700_000_000, exp: 1_700_000_060 })}.signature`

  it('decodes the claims; the raw token only when asked', () => {
    const token = describeToken(jwt, 0, false)!
    expect(token).toMatchObject({ format: 'jwt', header: { alg: 'HS256' }, claims: { sub: 'u1' }, expiresAt: 1_700_000_060_000, issuedAt: 1_700_000_000_000 })
    expect(token.raw).toBeUndefined()
    expect(JSON.stringify(token)).not.toContain(jwt)
    expect(describeToken(jwt, 0, true)!.raw).toBe(jwt)
  })

  it('expiry in this browser\'s clock (the issuer runs 5 s ahead); opaque tokens say nothing', () => {
    expect(describeToken(jwt, 5000, false)!.expiresAt).toBe(1_700_000_055_000)
    expect(describeToken('opaque-token', 0, false)).toEqual({ format: 'opaque', length: 12, expiresAt: null, issuedAt: null })
    expect(describeToken(null, 0, true)).toBeNull()
  })
})

describe('devtools log: entries of one millisecond', () => {
  it('keep their order when merged from the server\'s payload and when the tab reloads its stored log', async () => {
    const server = createDevtoolsLog({ side: 'server', now: () => 1_000 })
    setDevSink(server.record)
    // The guard lets the user through, the page's roles then forbid it, in the same millisecond.
    devSignal({ type: 'guard', route: '/admin', input: input({ meta: { roles: ['admin'] } as never, status: 'authenticated', hasToken: true }), action: 'allow', target: null, global: false, origin: 'navigation' })
    devSignal({ type: 'access', route: '/admin', roles: ['admin'], can: false, target: 403 })
    setDevSink(undefined)
    expect(server.entries().guard.map(entry => entry.verdict)).toEqual(['forbidden', 'allow'])
    const client = createDevtoolsLog({ side: 'client', tabId: 'tab-a', now: () => 2_000 })
    client.merge(JSON.parse(JSON.stringify(server.entries())))
    expect(client.entries().guard.map(entry => entry.verdict)).toEqual(['forbidden', 'allow'])

    const stored = new Map<string, string>()
    const storage = { getItem: (key: string) => stored.get(key) ?? null, setItem: (key: string, value: string) => void stored.set(key, value), removeItem: (key: string) => void stored.delete(key) }
    const tab = createDevtoolsLog({ side: 'client', tabId: 'tab-a', storage, now: () => 5_000 })
    tab.event('status', 'authenticated → unauthenticated')
    tab.event('signedOut', 'signed out by the user (signOut)')
    expect(tab.entries().events.map(entry => entry.name)).toEqual(['signedOut', 'status'])
    await Promise.resolve()
    tab.dispose()
    const reloaded = createDevtoolsLog({ side: 'client', tabId: 'tab-a', storage, now: () => 6_000 })
    expect(reloaded.entries().events.map(entry => entry.name)).toEqual(['signedOut', 'status'])
  })
})
