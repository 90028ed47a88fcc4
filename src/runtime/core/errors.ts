/**
 * Stable error codes. Apps branch on `code`, never on message text.
 * - INVALID_CREDENTIALS: the backend refused the credentials given to signIn/signUp (401/403).
 * - UNAUTHORIZED: the backend refused the current token (401/403): an authentication verdict.
 * - REFRESH_REFUSED: the refresh endpoint refused the refresh token: an authentication verdict.
 * - NETWORK / TIMEOUT / SERVER: the backend could not answer; never a verdict, nobody is signed out.
 * - BAD_REQUEST: the backend rejected the request (other 4xx), e.g. validation errors on signUp.
 * - BAD_RESPONSE: the backend answered, but not what the options say it answers (non-JSON, missing pointer).
 * - ENDPOINT_DISABLED: the endpoint is set to `false` in the options.
 * - CSRF: the CSRF check failed.
 * - NOT_SUPPORTED: the configured provider cannot do this.
 */
export type AuthErrorCode
  = | 'INVALID_CREDENTIALS'
    | 'UNAUTHORIZED'
    | 'REFRESH_REFUSED'
    | 'NETWORK'
    | 'TIMEOUT'
    | 'SERVER'
    | 'BAD_REQUEST'
    | 'BAD_RESPONSE'
    | 'ENDPOINT_DISABLED'
    | 'CSRF'
    | 'NOT_SUPPORTED'

/** Codes that mean "the backend says this session is not valid": the only ones that sign anybody out. */
const VERDICT_CODES: ReadonlySet<AuthErrorCode> = new Set(['UNAUTHORIZED', 'REFRESH_REFUSED'])

export interface AuthErrorOptions {
  status?: number
  /** The backend's response body, when there was one (e.g. validation details). */
  data?: unknown
  cause?: unknown
}

export class AuthError extends Error {
  override readonly name = 'AuthError'
  readonly code: AuthErrorCode
  readonly status?: number
  readonly data?: unknown

  constructor(code: AuthErrorCode, message: string, options: AuthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.status = options.status
    this.data = options.data
  }

  /** True when this error is an authentication verdict (the session is invalid), not a transient failure. */
  get isVerdict(): boolean {
    return VERDICT_CODES.has(this.code)
  }

  /** Plain, serialisable form (for payloads and logs); never contains tokens. */
  toJSON() {
    return { name: this.name, code: this.code, status: this.status, message: this.message }
  }
}

export function isAuthError(error: unknown): error is AuthError {
  return error instanceof AuthError
    || (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AuthError' && typeof (error as { code?: unknown }).code === 'string')
}
