import { describe, it, expect } from 'vitest'
import strategy from '../../providers/local/client'
import type { LocalRuntimeOptions } from '../../providers/local/options'
import { AuthError, type AuthErrorCode } from '../../src/runtime/core/errors'
import type { EndpointConfig, StrategyContext, StrategyRequestInit } from '../../src/runtime/core/strategy'

/**
 * The local strategy's own logic, against a hand-written context: `request` records its calls and answers
 * with canned bodies (the transport is the app layer's job and tested there). `request` with a `false`
 * endpoint throws ENDPOINT_DISABLED, which is what the real one does.
 */

interface Call { endpoint: EndpointConfig | undefined, name: string, init: StrategyRequestInit | undefined }

function options(overrides: Partial<LocalRuntimeOptions> = {}): LocalRuntimeOptions {
  return {
    endpoints: {
      signIn: { path: '/login', method: 'post' },
      signOut: { path: '/logout', method: 'post' },
      signUp: { path: '/register', method: 'post' },
      getSession: { path: '/session', method: 'get' },
    },
    signInResponseTokenPointer: '/token',
    dataResponsePointer: '/',
    signInResponsePointer: '',
    ...overrides,
  }
}

function context(opts: { options?: LocalRuntimeOptions, token?: string | null, bodies?: Record<string, unknown>, fail?: AuthError } = {}) {
  const calls: Call[] = []
  const ctx: StrategyContext<LocalRuntimeOptions> = {
    options: opts.options ?? options(),
    token: () => opts.token ?? null,
    refreshToken: () => null,
    url: path => `/api/auth${path}`,
    async request<T>(endpoint: EndpointConfig | undefined, name: string, init?: StrategyRequestInit) {
      calls.push({ endpoint, name, init })
      if (endpoint === false) throw new AuthError('ENDPOINT_DISABLED', `${name} is disabled`)
      if (opts.fail) throw opts.fail
      return opts.bodies?.[name] as T
    },
    error: (code: AuthErrorCode, message: string, extra?: { status?: number, data?: unknown, cause?: unknown }) => new AuthError(code, message, extra),
  }
  return { ctx, calls }
}

async function rejection(promise: Promise<unknown>): Promise<AuthError> {
  try {
    await promise
  }
  catch (error) {
    expect(error).toBeInstanceOf(AuthError)
    return error as AuthError
  }
  throw new Error('expected a rejection')
}

describe('local strategy: signIn', () => {
  it('posts the credentials to the signIn endpoint without a token, and returns the token at the pointer', async () => {
    const { ctx, calls } = context({ bodies: { signIn: { token: 'abc' } } })
    const result = await strategy.signIn(ctx, { username: 'ada', password: 'pw' }, { query: { a: 1 }, headers: { 'x-h': 'v' } })
    expect(result).toEqual({ token: 'abc', session: undefined })
    expect(calls).toEqual([{
      endpoint: { path: '/login', method: 'post' },
      name: 'signIn',
      init: { body: { username: 'ada', password: 'pw' }, query: { a: 1 }, headers: { 'x-h': 'v' }, token: null, textAnswer: false },
    }])
  })

  it('reads the token at a nested pointer', async () => {
    const { ctx } = context({ options: options({ signInResponseTokenPointer: '/data/auth/accessToken' }), bodies: { signIn: { data: { auth: { accessToken: 'nested' } } } } })
    expect((await strategy.signIn(ctx, {})).token).toBe('nested')
  })

  it('accepts the whole body as the token when the pointer is "/"', async () => {
    const { ctx, calls } = context({ options: options({ signInResponseTokenPointer: '/' }), bodies: { signIn: 'raw-token' } })
    expect((await strategy.signIn(ctx, {})).token).toBe('raw-token')
    // A JSON string or plain text: the request takes a body that is no JSON as it is.
    expect(calls[0]!.init?.textAnswer).toBe(true)
    const pointed = context({ bodies: { signIn: { token: 't' } } })
    await strategy.signIn(pointed.ctx, {})
    expect(pointed.calls[0]!.init?.textAnswer).toBe(false)
  })

  it('includes the session when signInResponsePointer is set', async () => {
    const user = { id: 1, name: 'Ada' }
    const { ctx, calls } = context({ options: options({ signInResponsePointer: '/user' }), bodies: { signIn: { token: 't', user } } })
    expect(await strategy.signIn(ctx, {})).toEqual({ token: 't', session: user })
    expect(calls.map(call => call.name)).toEqual(['signIn'])
  })

  it('never puts the token into the session, also when the session is the whole answer or holds the token', async () => {
    const root = context({ options: options({ signInResponsePointer: '/' }), bodies: { signIn: { token: 't', id: 1, name: 'Ada' } } })
    expect(await strategy.signIn(root.ctx, {})).toEqual({ token: 't', session: { id: 1, name: 'Ada' } })
    const nested = context({ options: options({ signInResponsePointer: '/data', signInResponseTokenPointer: '/data/auth/token' }), bodies: { signIn: { data: { id: 1, auth: { token: 't', scheme: 'Bearer' } } } } })
    expect(await strategy.signIn(nested.ctx, {})).toEqual({ token: 't', session: { id: 1, auth: { scheme: 'Bearer' } } })
  })

  it('leaves the session out when signInResponsePointer is not set, even if the body has one', async () => {
    const { ctx } = context({ bodies: { signIn: { token: 't', user: { id: 1 } } } })
    expect((await strategy.signIn(ctx, {})).session).toBeUndefined()
  })

  it.each([
    ['no token key', { access: 'x' }],
    ['a null token', { token: null }],
    ['a numeric token', { token: 42 }],
    ['an object token', { token: { value: 'x' } }],
    ['an empty token', { token: '' }],
    ['an empty body', undefined],
    ['a string body', 'token'],
  ])('throws BAD_RESPONSE for %s, without the body (it may hold tokens)', async (_label, body) => {
    const { ctx } = context({ bodies: { signIn: body } })
    const error = await rejection(strategy.signIn(ctx, {}))
    expect(error.code).toBe('BAD_RESPONSE')
    expect(error.data).toBeUndefined()
    expect(error.isVerdict).toBe(false)
  })

  it('names the pointer option when the token is missing', async () => {
    const { ctx } = context({ bodies: { signIn: {} } })
    expect((await rejection(strategy.signIn(ctx, {}))).message).toContain('/token')
  })

  it('throws BAD_RESPONSE when signInResponsePointer points at nothing', async () => {
    const { ctx } = context({ options: options({ signInResponsePointer: '/user' }), bodies: { signIn: { token: 't' } } })
    const error = await rejection(strategy.signIn(ctx, {}))
    expect(error.code).toBe('BAD_RESPONSE')
    expect(error.message).toContain('/user')
  })

  it('throws BAD_RESPONSE when signInResponsePointer points at no object (a string, an array, null), as getSession does', async () => {
    for (const user of ['alice', [1, 2], null, 42]) {
      const { ctx } = context({ options: options({ signInResponsePointer: '/user' }), bodies: { signIn: { token: 't', user } } })
      const error = await rejection(strategy.signIn(ctx, {}))
      expect(error.code, JSON.stringify(user)).toBe('BAD_RESPONSE')
      expect(error.message, JSON.stringify(user)).toContain('at auth.provider.session.signInResponsePointer "/user", not the session object')
    }
  })

  it('lets a transport error through unchanged', async () => {
    const refused = new AuthError('INVALID_CREDENTIALS', 'wrong password', { status: 401 })
    const { ctx } = context({ fail: refused })
    expect(await rejection(strategy.signIn(ctx, {}))).toBe(refused)
  })

  it('passes a disabled endpoint (false) to request, which refuses it', async () => {
    const { ctx, calls } = context({ options: options({ endpoints: { ...options().endpoints, signIn: false } }) })
    expect((await rejection(strategy.signIn(ctx, {}))).code).toBe('ENDPOINT_DISABLED')
    expect(calls[0]!.endpoint).toBe(false)
  })
})

describe('local strategy: getSession', () => {
  it('returns null without a token and makes no request', async () => {
    const { ctx, calls } = context({ token: null, bodies: { getSession: { id: 1 } } })
    expect(await strategy.getSession(ctx)).toBeNull()
    expect(calls).toEqual([])
  })

  it('returns the body at the data pointer, calling the getSession endpoint with the stored token', async () => {
    const { ctx, calls } = context({ token: 't', bodies: { getSession: { id: 1, name: 'Ada' } } })
    expect(await strategy.getSession(ctx)).toEqual({ id: 1, name: 'Ada' })
    expect(calls).toHaveLength(1)
    expect(calls[0]!.endpoint).toEqual({ path: '/session', method: 'get' })
    expect(calls[0]!.name).toBe('getSession')
    // No explicit token: the context sends the stored one.
    expect(calls[0]!.init?.token).toBeUndefined()
  })

  it('reads a nested data pointer', async () => {
    const { ctx } = context({ token: 't', options: options({ dataResponsePointer: '/data/user' }), bodies: { getSession: { data: { user: { id: 7 } } } } })
    expect(await strategy.getSession(ctx)).toEqual({ id: 7 })
  })

  it.each([
    ['nothing at the pointer', '/user', { other: 1 }],
    ['a string at the pointer', '/user', { user: 'ada' }],
    ['null at the pointer', '/user', { user: null }],
    ['a non-JSON (string) body', '/', 'OK'],
  ])('throws BAD_RESPONSE for %s (never a silent logout)', async (_label, pointer, body) => {
    const { ctx } = context({ token: 't', options: options({ dataResponsePointer: pointer }), bodies: { getSession: body } })
    const error = await rejection(strategy.getSession(ctx))
    expect(error.code).toBe('BAD_RESPONSE')
    expect(error.isVerdict).toBe(false)
  })

  it('lets an UNAUTHORIZED verdict from request through unchanged', async () => {
    const verdict = new AuthError('UNAUTHORIZED', 'expired', { status: 401 })
    const { ctx } = context({ token: 't', fail: verdict })
    expect(await rejection(strategy.getSession(ctx))).toBe(verdict)
  })
})

describe('local strategy: a bad answer names the URL and the option to check', () => {
  it.each([
    ['no token', { access: 'x' }, 'nothing'],
    ['a numeric token', { token: 42 }, 'a number'],
    ['an empty body', null, 'no JSON body'],
  ])('signIn answering %s', async (_label, body, what) => {
    const { ctx } = context({ bodies: { signIn: body } })
    const error = await rejection(strategy.signIn(ctx, {}))
    expect(error.code).toBe('BAD_RESPONSE')
    expect(error.message).toContain('(/api/auth/login)')
    expect(error.message).toContain('auth.provider.token.signInResponseTokenPointer "/token"')
    expect(error.message).toContain(what)
  })

  it.each([
    ['null', '/', null, 'no JSON body'],
    ['a string', '/', 'OK', 'a string'],
    ['an array', '/', [1, 2], 'an array'],
    ['nothing at the pointer', '/user', { other: 1 }, 'nothing'],
  ])('getSession answering %s', async (_label, pointer, body, what) => {
    const { ctx } = context({ token: 't', options: options({ dataResponsePointer: pointer }), bodies: { getSession: body } })
    const error = await rejection(strategy.getSession(ctx))
    expect(error.code).toBe('BAD_RESPONSE')
    expect(error.isVerdict).toBe(false)
    expect(error.message).toContain('(/api/auth/session)')
    expect(error.message).toContain(`auth.provider.session.dataResponsePointer "${pointer}"`)
    expect(error.message).toContain(what)
  })

  it('an array at the data pointer is no session (BAD_RESPONSE, never `authenticated` with a list as data)', async () => {
    const { ctx } = context({ token: 't', options: options({ dataResponsePointer: '/user' }), bodies: { getSession: { user: [{ id: 1 }] } } })
    expect((await rejection(strategy.getSession(ctx))).code).toBe('BAD_RESPONSE')
  })
})

describe('local strategy: signOut', () => {
  it('makes no request without a token', async () => {
    const { ctx, calls } = context({ token: null })
    await expect(strategy.signOut(ctx)).resolves.toBeUndefined()
    expect(calls).toEqual([])
  })

  it('makes no request when the signOut endpoint is disabled', async () => {
    const { ctx, calls } = context({ token: 't', options: options({ endpoints: { ...options().endpoints, signOut: false } }) })
    await strategy.signOut(ctx)
    expect(calls).toEqual([])
  })

  it('calls the signOut endpoint with the stored token', async () => {
    const { ctx, calls } = context({ token: 't' })
    await strategy.signOut(ctx)
    expect(calls).toHaveLength(1)
    expect(calls[0]!.endpoint).toEqual({ path: '/logout', method: 'post' })
    expect(calls[0]!.name).toBe('signOut')
    expect(calls[0]!.init?.token).toBeUndefined()
  })
})

describe('local strategy: signUp', () => {
  it('posts the credentials without a token and returns the body', async () => {
    const { ctx, calls } = context({ token: 'existing', bodies: { signUp: { id: 9 } } })
    expect(await strategy.signUp!(ctx, { username: 'new' })).toEqual({ id: 9 })
    expect(calls).toEqual([{ endpoint: { path: '/register', method: 'post' }, name: 'signUp', init: { body: { username: 'new' }, query: undefined, headers: undefined, token: null, textAnswer: true } }])
  })

  it('passes a disabled endpoint (false) to request, which refuses it', async () => {
    const { ctx, calls } = context({ options: options({ endpoints: { ...options().endpoints, signUp: false } }) })
    expect((await rejection(strategy.signUp!(ctx, {}))).code).toBe('ENDPOINT_DISABLED')
    expect(calls).toHaveLength(1)
    expect(calls[0]!.endpoint).toBe(false)
  })
})
