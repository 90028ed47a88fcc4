// A session check overtaken by another tab's write to the token cookie (same epoch: no sign-in or sign-out of
// this tab) asks again about the token held now, instead of leaving the state unsettled or stale.
import { describe, expect, it, vi } from 'vitest'
import { shallowRef } from 'vue'
import type { AuthEvent, ClientStrategy, StrategyContext } from '../../src/runtime/core'
import { AuthError, initialMachineState, jwtExpiry, transition } from '../../src/runtime/core'
import { createSession } from '../../src/runtime/app/session'
import type { AppTokens } from '../../src/runtime/app/tokens'
import { createTokenStore, type CookieJar } from '../../src/runtime/shared/token-store'

// The cross-tab token lock, held by another tab while `lock.held` is pending.
const lock = vi.hoisted(() => ({ held: null as Promise<void> | null }))
vi.mock('../../src/runtime/app/tabs/lock', () => ({ withTokenLock: async <T>(task: () => Promise<T>) => {
  await lock.held
  return await task()
} }))

const cookie = (name: string) => ({ name, maxAge: 600, sameSite: 'lax' as const, secure: false, httpOnly: false })
const tokenConfig = { token: { cookie: cookie('t'), headerName: 'Authorization', type: 'Bearer', maxAgeInSeconds: 600 }, refreshToken: null }

function appTokens(jar: Map<string, string>): AppTokens {
  const memoryJar: CookieJar = { read: n => jar.get(n) ?? null, write: (c, v) => (v === null ? jar.delete(c.name) : jar.set(c.name, v)) }
  const store = createTokenStore(memoryJar, tokenConfig)
  const views = { token: shallowRef<string | null>(null), refreshToken: shallowRef<string | null>(null) }
  const sync = () => {
    views.token.value = store.token()
  }
  const write: AppTokens['write'] = (written) => {
    store.write(written)
    sync()
  }
  const clear = () => {
    store.clear()
    sync()
  }
  return { ...store, write, clear, readable: true, kept: true, views: () => views, sync, matchServerRender: () => {}, seen: () => ({ token: false, refreshToken: false }), expiryOf: jwtExpiry, dispose: () => {} }
}

/**
 * `refusing`: the backend's answer about that token is "nobody" (`null`) or a 401; or, once, the relay's SUPERSEDED
 * (httpOnly cookies: a sign-in replaced them while the check's request refreshed them).
 */
function setup(phase: 'authenticated' | 'unknown', refusing: Record<string, 'null' | '401' | 'superseded-once'> = {}) {
  const jar = new Map([['t', 'T1']])
  const tokens = appTokens(jar)
  const store = {
    machine: { ...initialMachineState, phase },
    data: phase === 'authenticated' ? { user: 'alice' } as unknown : undefined,
    lastRefreshedAt: undefined as Date | undefined,
    dispatch(event: AuthEvent) { store.machine = transition(store.machine, event) as typeof store.machine },
    get status() { return store.machine.phase === 'unknown' ? 'loading' : store.machine.phase },
  }
  const answers: Array<() => void> = []
  const posted: unknown[] = []
  const users: Record<string, string> = { T1: 'alice', T1b: 'alice', T2: 'bob' }
  let requests = 0
  const supersededOnce = new Set<string>()
  const strategy = {
    // The backend answers for the token the request carried, when the test says so.
    getSession: (ctx: StrategyContext<unknown>) => {
      const sent = ctx.token()!
      requests++
      if (refusing[sent] === 'superseded-once' && !supersededOnce.has(sent)) {
        supersededOnce.add(sent)
        return Promise.reject(new AuthError('SUPERSEDED', 'A sign-in replaced the tokens while this refresh was on its way', { status: 409 }))
      }
      return new Promise((resolve, reject) => answers.push(() => refusing[sent] === '401'
        ? reject(new AuthError('UNAUTHORIZED', 'Unauthorized', { status: 401 }))
        : resolve(refusing[sent] === 'null' ? null : { user: users[sent] })))
    },
  } as unknown as ClientStrategy<unknown>
  const context = { token: () => tokens.token() } as unknown as StrategyContext<unknown>
  const session = createSession({
    parts: {
      nuxtApp: { callHook: async () => {} }, store, tokens, strategy, context: () => context,
      navigation: { enforceGuard: async () => {} }, tabs: { post: (message: unknown) => posted.push(message) }, report: async (e: unknown) => e as AuthError,
    } as never,
    refresher: () => null,
    requestTimeout: 10_000,
  })
  return { jar, tokens, store, session, answers, posted, requests: () => requests }
}

const tick = () => new Promise(resolve => setTimeout(resolve, 0))

/** Answers every request the backend holds, until the check settles. */
async function answerAll(answers: Array<() => void>, until: Promise<unknown>) {
  let settled = false
  void until.finally(() => (settled = true))
  for (let round = 0; round < 10 && !settled; round++) {
    answers.shift()?.()
    await tick()
  }
}

describe('a session check overtaken by another tab writing the jar', () => {
  it('page load: another tab rotates the token during the first check', async () => {
    const { jar, store, session, answers } = setup('unknown')
    const check = session.getSession()
    await tick()
    jar.set('t', 'T1b') // another tab's refresh (same user) writes the cookie
    await answerAll(answers, check)
    expect(await check).toEqual({ user: 'alice' })
    // Settled, about the token held now: not stuck on "checking" with no verdict.
    expect(store.machine.activity).toBe(null)
    expect(store.status).toBe('authenticated')
  })

  it('another tab signs in as bob while this tab\'s check is in flight: the signed-in message joins the stale check', async () => {
    const { jar, tokens, store, session, answers } = setup('authenticated')
    const focusCheck = session.getSession()
    await tick()
    // Tab B: signs in as bob (under the lock), writes the jar, posts 'signed-in'.
    jar.set('t', 'T2')
    // This tab's handler for 'signed-in' (manager.ts): sync, then getSession({ force: true }).
    tokens.sync()
    const onSignedIn = session.getSession({ force: true })
    // The answer to the old check (alice) arrives first, then the one about the token held now.
    await answerAll(answers, onSignedIn)
    expect(await onSignedIn).toEqual({ user: 'bob' })
    await focusCheck
    expect(store.data).toEqual({ user: 'bob' })
  })

  it('a check that finds no tokens waits for the lock while another tab signs in: it clears nothing, tells no tab to sign out, and asks about the new token', async () => {
    const { jar, tokens, store, session, posted, answers } = setup('authenticated')
    let release!: () => void
    lock.held = new Promise<void>(resolve => (release = resolve))
    jar.delete('t') // the cookie expired, or another tab signed out
    const check = session.getSession()
    await tick()
    // Tab B holds the lock: it signs in as bob and writes the jar before this tab's sign-out may run.
    jar.set('t', 'T2')
    release()
    lock.held = null
    await answerAll(answers, check)
    expect(tokens.token()).toBe('T2')
    expect(posted).not.toContainEqual({ type: 'signed-out' })
    expect(store.machine.phase).toBe('authenticated')
    // The check answers about the token held now (bob's), not null beside alice's data.
    expect(await check).toEqual({ user: 'bob' })
    expect(store.data).toEqual({ user: 'bob' })
  })

  it.each(['null', '401'] as const)('the backend refuses the token (%s) while another tab signs in: the sign-out waits for the lock, is declined, and the check asks about the new token; nothing is left checking', async (refusal) => {
    const { jar, tokens, store, session, posted, answers } = setup('authenticated', { T1: refusal })
    let release!: () => void
    lock.held = new Promise<void>(resolve => (release = resolve))
    const check = session.getSession()
    // The refusal of T1 arrives; the sign-out it calls for waits for the lock, which tab B holds.
    answers.shift()!()
    await tick()
    await tick()
    jar.set('t', 'T2')
    release()
    lock.held = null
    await answerAll(answers, check)
    expect(await check).toEqual({ user: 'bob' })
    expect(tokens.token()).toBe('T2')
    expect(posted).not.toContainEqual({ type: 'signed-out' })
    expect(store.machine).toMatchObject({ phase: 'authenticated', activity: null })
    expect(store.data).toEqual({ user: 'bob' })
  })

  it('the relay answers SUPERSEDED (another tab signed in while the check\'s request refreshed): asked again at once, no verdict, no sign-out', async () => {
    const { store, session, posted, answers, requests } = setup('authenticated', { T1: 'superseded-once' })
    const check = session.getSession()
    await answerAll(answers, check)
    expect(await check).toEqual({ user: 'alice' })
    expect(requests()).toBe(2)
    expect(posted).toEqual([])
    expect(store.machine).toMatchObject({ phase: 'authenticated', activity: null, error: null })
  })

  it('tokens rotated under every check: after its rechecks the check ends without a verdict of its own, nothing left checking', async () => {
    const { jar, store, session, answers } = setup('authenticated')
    const check = session.getSession()
    let settled = false
    void check.finally(() => (settled = true))
    for (let round = 0; round < 10 && !settled; round++) {
      await tick()
      // Another tab's refresh lands before each answer.
      jar.set('t', round % 2 === 0 ? 'T1b' : 'T1')
      answers.shift()?.()
      await tick()
    }
    expect(await check).toEqual({ user: 'alice' })
    expect(store.machine).toMatchObject({ phase: 'authenticated', activity: null })
  })

  it('the same in a tab without a verdict yet: a failed check (the guard keeps protected pages closed, the retry asks again), nobody signed out', async () => {
    const { jar, store, session, answers, posted } = setup('unknown')
    const check = session.getSession()
    let settled = false
    check.catch(() => {}).finally(() => (settled = true))
    for (let round = 0; round < 10 && !settled; round++) {
      await tick()
      jar.set('t', round % 2 === 0 ? 'T1b' : 'T1')
      answers.shift()?.()
      await tick()
    }
    // As any check that fails without a verdict: it throws, with the code.
    await expect(check).rejects.toMatchObject({ code: 'SUPERSEDED' })
    expect(store.machine).toMatchObject({ phase: 'unknown', activity: null, checkFailed: true, error: 'SUPERSEDED' })
    expect(session.lastFailure()?.code).toBe('SUPERSEDED')
    expect(posted).toEqual([])
    expect(jar.get('t')).toBeDefined()
  })
})
