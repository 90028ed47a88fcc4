import { AuthError, isAuthError, type ClientStrategy, type StrategyContext, type TokenResult } from '../core'
import type { TokenStore } from './token-store'

/**
 * A 401/403 from the sign-in or sign-up endpoint refuses the credentials given; it is no verdict on the
 * session the browser may already hold, so nobody is signed out for a typo.
 */
export function credentialsError(error: unknown): unknown {
  if (!isAuthError(error) || error.code !== 'UNAUTHORIZED') return error
  return new AuthError('INVALID_CREDENTIALS', 'The credentials were refused', { status: error.status, data: error.data, cause: error })
}

/**
 * After the backend accepted the credentials: store the new tokens and get the session for them (from the
 * sign-in answer or the session endpoint). When that fails, the tokens held before are put back, so a
 * bad answer leaves the browser's previous session as it was. Used by the app and the relay route alike.
 */
export async function completeSignIn(strategy: ClientStrategy<unknown>, context: StrategyContext<unknown>, tokens: TokenStore, result: TokenResult): Promise<unknown> {
  // Only what this sign-in changes is put back: rewriting an untouched cookie could undo another tab's write.
  const previous = {
    token: result.token === undefined ? undefined : tokens.token(),
    refreshToken: result.refreshToken === undefined ? undefined : tokens.refreshToken(),
  }
  tokens.write({ token: result.token, refreshToken: result.refreshToken })
  try {
    const session = result.session === undefined ? await strategy.getSession(context) : result.session
    if (session === null || session === undefined) throw new AuthError('BAD_RESPONSE', 'Signed in, but the backend returned no session for the new token')
    return session
  }
  catch (error) {
    tokens.write(previous)
    throw error
  }
}
