import { describe, expect, it } from 'vitest'
import { AuthError, type StrategyContext } from '../../src/runtime/core'
import { createBackoff } from '../../src/runtime/core/backoff'
import strategy from '../../providers/refresh/client'
import type { RefreshRuntimeOptions } from '../../providers/refresh/options'

const options: RefreshRuntimeOptions = {
  endpoints: { signIn: { path: '/login', method: 'post' }, signOut: false, signUp: false, getSession: { path: '/session', method: 'get' } },
  signInResponseTokenPointer: '/token',
  dataResponsePointer: '/',
  signInResponsePointer: '',
  refreshEndpoint: { path: '/refresh', method: 'post' },
  signInResponseRefreshTokenPointer: '/refreshToken',
  refreshResponseTokenPointer: '/access/token',
  refreshRequestTokenPointer: '/grant/refresh_token',
  refreshOnlyToken: true,
}

/** A context whose transport answers each endpoint with a canned body or error, recording the requests. */
function context(answers: Record<string, unknown>, refreshToken: string | null = 'rt-1', overrides: Partial<RefreshRuntimeOptions> = {}) {
  const requests: Array<{ name: string, body: unknown, textAnswer?: boolean }> = []
  const ctx: StrategyContext<RefreshRuntimeOptions> = {
    options: { ...options, ...overrides },
    token: () => 'access-1',
    refreshToken: () => refreshToken,
    url: path => `/api/auth${path}`,
    error: (code, message, extra) => new AuthError(code, message, extra),
    async request<T>(_endpoint: unknown, name: string, init?: { body?: unknown, textAnswer?: boolean }) {
      requests.push({ name, body: init?.body, ...(init?.textAnswer ? { textAnswer: true } : {}) })
      const answer = answers[name]
      if (answer instanceof Error) throw answer
      return answer as T
    },
  }
  return { ctx, requests }
}

async function failure(promise: Promise<unknown>): Promise<AuthError> {
  const outcome = await promise.then(() => null, (error: unknown) => error)
  if (!(outcome instanceof AuthError)) throw new Error(`expected AuthError, got ${String(outcome)}`)
  return outcome
}

describe('refresh client strategy', () => {
  it('signIn returns the refresh token from its pointer', async () => {
    const { ctx } = context({ signIn: { token: 'a', refreshToken: 'r' } })
    expect(await strategy.signIn(ctx, {})).toEqual({ token: 'a', session: undefined, refreshToken: 'r' })
  })

  it('signIn with the whole answer as the session (signInResponsePointer "/") leaves both tokens out of the session', async () => {
    const { ctx } = context({ signIn: { token: 'a', refreshToken: 'r', user: { id: 1 } } }, 'rt-1', { signInResponsePointer: '/' })
    expect(await strategy.signIn(ctx, {})).toEqual({ token: 'a', session: { user: { id: 1 } }, refreshToken: 'r' })
  })

  it('signOut sends the refresh token in the body only with a method that has one', async () => {
    for (const [method, body] of [['post', { grant: { refresh_token: 'rt-1' } }], ['delete', { grant: { refresh_token: 'rt-1' } }], ['get', undefined]] as const) {
      const { ctx, requests } = context({ signOut: { ok: true } }, 'rt-1', { endpoints: { ...options.endpoints, signOut: { path: '/logout', method } } })
      await strategy.signOut!(ctx)
      expect(requests, method).toEqual([{ name: 'signOut', body }])
    }
  })

  it('a refresh whose whole answer is the token (refreshResponseTokenPointer \'/\') takes it as plain text too, as the incumbent did', async () => {
    const { ctx, requests } = context({ refresh: 'a2' }, 'rt-1', { refreshResponseTokenPointer: '/' })
    expect(await strategy.refresh!(ctx)).toEqual({ token: 'a2', refreshToken: undefined })
    expect(requests).toEqual([{ name: 'refresh', body: { grant: { refresh_token: 'rt-1' } }, textAnswer: true }])
    // A pointer into a JSON answer never takes text: an HTML page from a wrong path is no token.
    const json = context({ refresh: { access: { token: 'a3' } } })
    await strategy.refresh!(json.ctx)
    expect(json.requests[0]).not.toHaveProperty('textAnswer')
  })

  it('signIn without a refresh token is BAD_RESPONSE naming the option', async () => {
    const { ctx } = context({ signIn: { token: 'a' } })
    const error = await failure(strategy.signIn(ctx, {}))
    expect(error.code).toBe('BAD_RESPONSE')
    expect(error.message).toContain('signInResponseRefreshTokenPointer')
  })

  it.each([
    ['no access token', { refreshToken: 'rt-2' }, 'auth.provider.refresh.token.refreshResponseTokenPointer "/access/token"', {}],
    ['a numeric access token', { access: { token: 7 } }, 'auth.provider.refresh.token.refreshResponseTokenPointer "/access/token"', {}],
    ['no refresh token with refreshOnlyToken false', { access: { token: 'a2' } }, 'auth.provider.refresh.token.signInResponseRefreshTokenPointer "/refreshToken"', { refreshOnlyToken: false }],
  ])('a refresh answering %s is BAD_RESPONSE naming the URL and the option', async (_label, answer, option, overrides) => {
    const { ctx } = context({ refresh: answer }, 'rt-1', overrides)
    const error = await failure(strategy.refresh!(ctx))
    expect(error.code).toBe('BAD_RESPONSE')
    expect(error.message).toContain('(/api/auth/refresh)')
    expect(error.message).toContain(option)
  })

  it('signIn without a refresh token names the URL', async () => {
    const { ctx } = context({ signIn: { token: 'a' } })
    expect((await failure(strategy.signIn(ctx, {}))).message).toContain('(/api/auth/login)')
  })

  it('sends the refresh token at refreshRequestTokenPointer and reads the token at refreshResponseTokenPointer', async () => {
    const { ctx, requests } = context({ refresh: { access: { token: 'a2' } } })
    expect(await strategy.refresh!(ctx)).toEqual({ token: 'a2', refreshToken: undefined })
    expect(requests).toEqual([{ name: 'refresh', body: { grant: { refresh_token: 'rt-1' } } }])
  })

  it('adopts a rotated refresh token even with refreshOnlyToken (never reuse a spent one)', async () => {
    const { ctx } = context({ refresh: { access: { token: 'a2' }, refreshToken: 'rt-2' } })
    expect((await strategy.refresh!(ctx)).refreshToken).toBe('rt-2')
  })

  it('with refreshOnlyToken false, a refresh response without refresh token is BAD_RESPONSE', async () => {
    const { ctx } = context({ refresh: { access: { token: 'a2' } } }, 'rt-1', { refreshOnlyToken: false })
    expect((await failure(strategy.refresh!(ctx))).code).toBe('BAD_RESPONSE')
  })

  it.each([
    ['401', new AuthError('UNAUTHORIZED', 'x', { status: 401 }), 'REFRESH_REFUSED', true],
    ['403', new AuthError('UNAUTHORIZED', 'x', { status: 403 }), 'REFRESH_REFUSED', true],
    ['400 invalid_grant', new AuthError('BAD_REQUEST', 'x', { status: 400, data: { error: 'invalid_grant' } }), 'REFRESH_REFUSED', true],
    // h3's createError({ statusCode: 400, data: { error: 'invalid_grant' } }), as a Nitro backend throws it.
    ['400 invalid_grant from h3', new AuthError('BAD_REQUEST', 'x', { status: 400, data: { error: true, statusCode: 400, message: 'Bad Request', data: { error: 'invalid_grant' } } }), 'REFRESH_REFUSED', true],
    ['400 other', new AuthError('BAD_REQUEST', 'x', { status: 400, data: { error: 'invalid_request' } }), 'BAD_REQUEST', false],
    ['400 other from h3', new AuthError('BAD_REQUEST', 'x', { status: 400, data: { statusCode: 400, data: { error: 'invalid_request' } } }), 'BAD_REQUEST', false],
    ['500', new AuthError('SERVER', 'x', { status: 500 }), 'SERVER', false],
    ['network', new AuthError('NETWORK', 'x'), 'NETWORK', false],
    ['timeout', new AuthError('TIMEOUT', 'x'), 'TIMEOUT', false],
  ])('a refresh answered %s is %s (verdict: %s)', async (_label, answer, code, verdict) => {
    const { ctx } = context({ refresh: answer })
    const error = await failure(strategy.refresh!(ctx))
    expect(error.code).toBe(code)
    expect(error.isVerdict).toBe(verdict)
  })

  it('without a refresh token there is nothing to send: REFRESH_REFUSED, no request', async () => {
    const { ctx, requests } = context({}, null)
    expect((await failure(strategy.refresh!(ctx))).code).toBe('REFRESH_REFUSED')
    expect(requests).toEqual([])
  })
})

describe('backoff', () => {
  it('doubles up to the cap and resets on success', () => {
    const backoff = createBackoff({ baseMs: 1000, maxMs: 5000 })
    expect(backoff.remaining(0)).toBe(0)
    expect([backoff.fail(0), backoff.fail(0), backoff.fail(0), backoff.fail(0)]).toEqual([1000, 2000, 4000, 5000])
    expect(backoff.remaining(1000)).toBe(4000)
    backoff.succeed()
    expect(backoff.remaining(1000)).toBe(0)
    expect(backoff.failures).toBe(0)
  })
})
