/**
 * Stable error codes. Apps branch on `code`, never on message text.
 * - INVALID_CREDENTIALS: the backend refused the credentials given to signIn/signUp (401/403).
 * - UNAUTHORIZED: the backend refused the current token (401/403): an authentication verdict.
 * - REFRESH_REFUSED: the refresh endpoint refused the refresh token: an authentication verdict.
 * - NETWORK / TIMEOUT / SERVER: the backend could not answer; never a verdict, nobody is signed out.
 * - RATE_LIMITED: the backend asks to be called less often (429); never a verdict. `retryAfterMs` says how long
 *   when the backend did (`Retry-After`), and automatic retries wait that long.
 * - BAD_REQUEST: the backend rejected the request (other 4xx), e.g. validation errors on signUp.
 * - BAD_RESPONSE: the backend answered, but not what the options say it answers (non-JSON, missing pointer).
 * - ENDPOINT_DISABLED: the endpoint is set to `false` in the options.
 * - CSRF: the CSRF check failed.
 * - NOT_SUPPORTED: the configured provider cannot do this.
 * - SUPERSEDED: httpOnly cookies: a sign-in in this browser replaced the tokens while this request was refreshing
 *   them; it set nothing and is to be asked again (with the new cookies). Never a verdict.
 */
export type AuthErrorCode
  = | 'INVALID_CREDENTIALS'
    | 'UNAUTHORIZED'
    | 'REFRESH_REFUSED'
    | 'NETWORK'
    | 'TIMEOUT'
    | 'SERVER'
    | 'RATE_LIMITED'
    | 'BAD_REQUEST'
    | 'BAD_RESPONSE'
    | 'ENDPOINT_DISABLED'
    | 'CSRF'
    | 'NOT_SUPPORTED'
    | 'SUPERSEDED'

/** Codes that mean "the backend says this session is not valid": the only ones that sign anybody out. */
const VERDICT_CODES: ReadonlySet<AuthErrorCode> = new Set(['UNAUTHORIZED', 'REFRESH_REFUSED'])

export interface AuthErrorOptions {
  status?: number
  /** The backend's response body, when there was one (e.g. validation details). */
  data?: unknown
  /** How long the backend asked to wait, in ms (its `Retry-After`). */
  retryAfterMs?: number
  cause?: unknown
}

export class AuthError extends Error {
  override readonly name = 'AuthError'
  readonly code: AuthErrorCode
  readonly status?: number
  readonly data?: unknown
  /**
   * RATE_LIMITED (429), or SERVER for a 503: how long (ms) the backend asked to wait before the next try, from its
   * `Retry-After` header; `undefined` when it did not say (a backend on another origin must list the header in
   * `Access-Control-Expose-Headers` for the browser to read it).
   */
  readonly retryAfterMs?: number

  constructor(code: AuthErrorCode, message: string, options: AuthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.status = options.status
    this.data = options.data
    this.retryAfterMs = options.retryAfterMs
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
