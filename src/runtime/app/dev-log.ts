import type { AuthError, AuthErrorCode } from '../core'

/** What to do about each kind of failure; the message itself names the URL and the option involved. */
const FIXES: Partial<Record<AuthErrorCode, string>> = {
  NETWORK: 'the backend could not be reached: is it running, and is auth.baseURL (NUXT_PUBLIC_AUTH_BASE_URL at run time) right?',
  TIMEOUT: 'the backend did not answer within auth.requestTimeout: check the backend, or raise the option',
  SERVER: 'the backend failed (5xx): its own logs say why',
  BAD_REQUEST: 'the backend rejected the request: check the path and method of the endpoint the message names (auth.provider.endpoints) and the body that endpoint expects',
  BAD_RESPONSE: 'the backend\'s answer cannot be used as the options describe it: compare the pointer the message names with what the endpoint returns, or shrink a token too big for its cookie',
  ENDPOINT_DISABLED: 'the endpoint is false in auth.provider.endpoints: give it { path, method } to use it',
  CSRF: 'the module\'s /api/_auth routes take same-origin JSON posts only: call them through useAuth(), not from a form or another site',
  NOT_SUPPORTED: 'the configured provider cannot do this: see its guide for what it supports',
}

/** What a refused input means: shown instead of the set-up fix (the DevTools tab), never logged. */
const REFUSED_INPUT = 'normal use: the backend refused what was sent (a taken email, a field it rejects); its reasons are in the error\'s data'

/** What a rate limit means (the DevTools tab); never logged either. */
const RATE_LIMITED = 'normal use: the backend asks to be called less often (429); automatic retries wait as long as its Retry-After says, and error.retryAfterMs tells a form when the user may try again'

/**
 * The fix for a failure of this kind when it is one of the set-up, else what it means when the backend refused the
 * input (the DevTools tab shows it beside the error).
 */
export function authErrorFix(code: string, status?: number): string | undefined {
  if (refusedInput({ code, status })) return REFUSED_INPUT
  if (code === 'RATE_LIMITED') return RATE_LIMITED
  return Object.hasOwn(FIXES, code) ? FIXES[code as AuthErrorCode] : undefined
}

const logged = new Set<string>()

/** Statuses of a BAD_REQUEST that point at the set-up (no such endpoint, not that method, not that body type). */
const SET_UP_STATUSES = new Set([404, 405, 415])

/**
 * A backend that refused what the user typed (a sign-up's 409 for a taken email, a 422 with per-field messages, a
 * 400 with its reasons): an answer for the form, not a fault of the set-up.
 */
function refusedInput(error: { code: string, status?: number }): boolean {
  return error.code === 'BAD_REQUEST' && error.status !== undefined && !SET_UP_STATUSES.has(error.status)
}

/**
 * Development only: each distinct failure once, with its fix, in the browser's console and (through Vite's
 * connection, see module.ts) the terminal. Outcomes of normal use (a wrong password, a session the backend
 * ended) are not failures of the set-up and are not logged.
 */
export function logAuthErrorOnce(error: AuthError, operation: string) {
  const fix = FIXES[error.code]
  const key = `${error.code}\n${error.message}`
  if (!fix || logged.has(key) || refusedInput(error)) return
  logged.add(key)
  const line = `[nuxt-gatekeeper] ${operation} failed: ${error.code}${error.status ? ` (${error.status})` : ''}: ${error.message}\n  Fix: ${fix}`
  console.warn(line)
  // Vite's client in development (typed here: the module's sources are not compiled with Vite's types).
  if (import.meta.client) (import.meta as { hot?: { send(event: string, data: unknown): void } }).hot?.send('gatekeeper:error', { line })
}
