import { afterEach, describe, expect, it, vi } from 'vitest'
import { authErrorFix, logAuthErrorOnce } from '../../src/runtime/app/dev-log'
import { AuthError } from '../../src/runtime/core/errors'

describe('development log of auth failures', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('logs each distinct failure once, with its fix', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const notFound = new AuthError('BAD_REQUEST', 'POST /api/auth/login rejected the request (404); check auth.provider.endpoints.signIn', { status: 404 })
    logAuthErrorOnce(notFound, 'signIn')
    logAuthErrorOnce(new AuthError('BAD_REQUEST', notFound.message, { status: 404 }), 'signIn')
    logAuthErrorOnce(new AuthError('NETWORK', 'GET /api/auth/session could not be reached'), 'getSession')
    expect(warn).toHaveBeenCalledTimes(2)
    expect(warn.mock.calls[0]![0]).toBe('[nuxt-gatekeeper] signIn failed: BAD_REQUEST (404): POST /api/auth/login rejected the request (404); check auth.provider.endpoints.signIn\n  Fix: the backend rejected the request: check the path and method of the endpoint the message names (auth.provider.endpoints) and the body that endpoint expects')
    expect(warn.mock.calls[1]![0]).toContain('Fix: the backend could not be reached')
  })

  it('does not log outcomes of normal use: a wrong password, a session the backend ended', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    logAuthErrorOnce(new AuthError('INVALID_CREDENTIALS', 'wrong password', { status: 401 }), 'signIn')
    logAuthErrorOnce(new AuthError('UNAUTHORIZED', 'token refused', { status: 401 }), 'getSession')
    logAuthErrorOnce(new AuthError('REFRESH_REFUSED', 'refresh token refused', { status: 401 }), 'refresh')
    expect(warn).not.toHaveBeenCalled()
  })

  it('does not log a rate limit, and the DevTools tab says what it means instead of a set-up fix', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    logAuthErrorOnce(new AuthError('RATE_LIMITED', 'POST /api/auth/login asked to be called less often (429, retry after 30 s)', { status: 429, retryAfterMs: 30_000 }), 'signIn')
    expect(warn).not.toHaveBeenCalled()
    expect(authErrorFix('RATE_LIMITED', 429)).toMatch(/^normal use: the backend asks to be called less often/)
  })

  it('does not log a backend refusing what the user typed (409 taken, 422 per-field reasons, 400), only set-up statuses', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    for (const status of [400, 409, 422]) logAuthErrorOnce(new AuthError('BAD_REQUEST', `POST /api/auth/register rejected the request (${status})`, { status }), 'signUp')
    expect(warn).not.toHaveBeenCalled()
    for (const status of [405, 415]) logAuthErrorOnce(new AuthError('BAD_REQUEST', `POST /api/auth/register rejected the request (${status})`, { status }), 'signUp')
    expect(warn).toHaveBeenCalledTimes(2)
  })
})
