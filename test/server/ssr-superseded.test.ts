// A server render whose refresh a sign-in in another tab superseded (httpOnly cookies): the render holds no tokens
// any more and the browser holds the new user's, so it ends without a verdict (the browser checks), sets no cookie,
// and does not conclude "signed out" from the tokens it no longer reads.
import { describe, expect, it, vi } from 'vitest'
import { shallowRef } from 'vue'
import type { AuthEvent, ClientStrategy, StrategyContext } from '../../src/runtime/core'
import { AuthError, initialMachineState, jwtExpiry, transition } from '../../src/runtime/core'
import { createSession } from '../../src/runtime/app/session'
import type { AppTokens } from '../../src/runtime/app/tokens'
import { supersedeServerRefresh } from '../../src/runtime/shared/refresh-dedupe'
import { refreshOnServer } from '../../src/runtime/shared/server-refresh'
import { createTokenStore, type CookieJar } from '../../src/runtime/shared/token-store'

vi.mock('../../src/runtime/shared/session-cache', () => ({ forgetCachedSession: async () => {} }))

const cookie = (name: string) => ({ name, maxAge: 600, sameSite: 'lax' as const, secure: false, httpOnly: true })
const tokenConfig = {
  token: { cookie: cookie('t'), headerName: 'Authorization', type: 'Bearer', maxAgeInSeconds: 600 },
  refreshToken: { cookie: cookie('r'), headerName: '', type: '', maxAgeInSeconds: 600 },
}

function render(due: boolean) {
  const refreshToken = `rt-${Math.random()}`
  const jar = new Map([['t', 'T1'], ['r', refreshToken]])
  const writes: unknown[] = []
  const memoryJar: CookieJar = {
    read: name => jar.get(name) ?? null,
    write: (config, value) => {
      writes.push([config.name, value])
      if (value === null) jar.delete(config.name)
      else jar.set(config.name, value)
    },
  }
  const views = { token: shallowRef<string | null>(null), refreshToken: shallowRef<string | null>(null) }
  const tokens = { ...createTokenStore(memoryJar, tokenConfig), readable: true, kept: true, views: () => views, sync: () => {}, matchServerRender: () => {}, seen: () => ({ token: false, refreshToken: false }), expiryOf: jwtExpiry, dispose: () => {} } as AppTokens
  const store = {
    machine: { ...initialMachineState },
    data: undefined as unknown,
    lastRefreshedAt: undefined as Date | undefined,
    dispatch(event: AuthEvent) {
      store.machine = transition(store.machine, event) as typeof store.machine
    },
  }
  let answerRefresh!: () => void
  const strategy = {
    // T1 is refused before its expiry (an opaque token, or one the backend revoked): the 401 path refreshes.
    getSession: async (context: StrategyContext<unknown>) => {
      if (context.token() === 'T1') throw new AuthError('UNAUTHORIZED', 'Unauthorized', { status: 401 })
      return context.token() ? { user: 'previous' } : null
    },
    refresh: () => new Promise(resolve => answerRefresh = () => resolve({ token: 'T1-next', refreshToken: `${refreshToken}-next` })),
  } as unknown as ClientStrategy<unknown>
  const context = { token: () => tokens.token() } as unknown as StrategyContext<unknown>
  // As the refresher spends on the server: refreshOnServer, its failure rethrown.
  const spend = async () => {
    await refreshOnServer(strategy, context, tokens, async () => true)
    return 'refreshed'
  }
  const renewer = { needsRefresh: () => due, refreshIfNeeded: spend, refreshAfterUnauthorized: spend }
  const session = createSession({
    parts: {
      nuxtApp: { callHook: async () => {} }, store, tokens, strategy, context: () => context,
      navigation: { enforceGuard: async () => {} }, tabs: { post: () => {} }, report: async (error: unknown) => error as AuthError,
    } as never,
    refresher: () => renewer as never,
    requestTimeout: 10_000,
  })
  return { refreshToken, store, session, writes, answer: () => answerRefresh() }
}

describe('a server render whose refresh a sign-in in another tab superseded', () => {
  it.each([
    ['its token was due (the refresh before the check)', true],
    ['its token was refused (the refresh after the 401)', false],
  ])('%s: no verdict, no cookie written, nobody\'s session', async (_label, due) => {
    const { refreshToken, store, session, writes, answer } = render(due)
    const check = session.ensureChecked()
    await new Promise(resolve => setTimeout(resolve, 5))
    await supersedeServerRefresh(refreshToken)
    answer()
    await check
    expect(store.machine).toMatchObject({ phase: 'unknown', error: 'SUPERSEDED' })
    expect(store.data ?? null).toBeNull()
    expect(writes).toEqual([])
  })
})
