import { describe, it, expect } from 'vitest'
import { AuthError, isAuthError, type AuthErrorCode } from '../../src/runtime/core/errors'
import { ERROR_STATUS } from '../../src/runtime/core/protocol'

const ALL_CODES: AuthErrorCode[] = [
  'INVALID_CREDENTIALS', 'UNAUTHORIZED', 'REFRESH_REFUSED', 'NETWORK', 'TIMEOUT', 'SERVER',
  'RATE_LIMITED', 'BAD_REQUEST', 'BAD_RESPONSE', 'ENDPOINT_DISABLED', 'CSRF', 'NOT_SUPPORTED', 'SUPERSEDED',
]
// DESIGN rule 2: only "the backend says this session is invalid" signs anybody out. Refused credentials at
// sign-in are not about the current session; network, timeout and server errors are not verdicts.
const VERDICTS = new Set<AuthErrorCode>(['UNAUTHORIZED', 'REFRESH_REFUSED'])

describe('AuthError', () => {
  it('carries code, message, status and data', () => {
    const error = new AuthError('BAD_REQUEST', 'Email taken', { status: 422, data: { field: 'email' } })
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('AuthError')
    expect(error.code).toBe('BAD_REQUEST')
    expect(error.message).toBe('Email taken')
    expect(error.status).toBe(422)
    expect(error.data).toEqual({ field: 'email' })
  })

  it('keeps the cause on the error but not in its JSON', () => {
    const cause = new Error('socket hang up; token=secret-token')
    const error = new AuthError('NETWORK', 'Backend unreachable', { cause })
    expect(error.cause).toBe(cause)
    const json = error.toJSON()
    expect(json).toEqual({ name: 'AuthError', code: 'NETWORK', status: undefined, message: 'Backend unreachable' })
    expect('cause' in json).toBe(false)
    expect(JSON.stringify(error)).not.toContain('secret-token')
  })

  it('does not put the response body (data) into its JSON', () => {
    const error = new AuthError('BAD_RESPONSE', 'no token', { status: 200, data: { refresh: 'secret-refresh' } })
    expect(JSON.parse(JSON.stringify(error))).toEqual({ name: 'AuthError', code: 'BAD_RESPONSE', status: 200, message: 'no token' })
  })

  it('has no cause property when none was given', () => {
    expect('cause' in new AuthError('SERVER', 'x')).toBe(false)
  })

  it('the list above holds every code (ERROR_STATUS has one entry per code, the type checker sees to it)', () => {
    expect([...ALL_CODES].sort()).toEqual(Object.keys(ERROR_STATUS).sort())
  })

  it.each(ALL_CODES)('isVerdict is right for %s', (code) => {
    expect(new AuthError(code, 'x').isVerdict).toBe(VERDICTS.has(code))
  })
})

describe('isAuthError', () => {
  it('recognises instances', () => {
    expect(isAuthError(new AuthError('TIMEOUT', 'slow'))).toBe(true)
  })

  it('recognises a structurally equal error from another copy of the module (serialised or another realm)', () => {
    expect(isAuthError({ name: 'AuthError', code: 'SERVER', message: 'x' })).toBe(true)
    expect(isAuthError(JSON.parse(JSON.stringify(new AuthError('CSRF', 'x'))))).toBe(true)
  })

  it.each([
    ['a plain Error', new Error('x')],
    ['an Error with a code', Object.assign(new Error('x'), { code: 'SERVER' })],
    ['name without code', { name: 'AuthError' }],
    ['non-string code', { name: 'AuthError', code: 401 }],
    ['null', null],
    ['undefined', undefined],
    ['a string', 'AuthError'],
    ['a number', 401],
  ])('rejects %s', (_label, value) => {
    expect(isAuthError(value)).toBe(false)
  })
})
