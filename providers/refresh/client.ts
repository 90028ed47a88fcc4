import { defineClientStrategy, isAuthError, pointsToWhole, valueAt, writePointer } from '#auth-core'
import { unexpectedAnswer } from '../local/client'
import { getSession, signIn, signOut, signUp } from './client-without-refresh'
import type { RefreshRuntimeOptions } from './options'

/** The local strategy plus refresh tokens: they arrive with the sign-in response and rotate on refresh. */
export default defineClientStrategy<RefreshRuntimeOptions>({
  signUp,
  signOut,
  getSession,
  signIn,

  async refresh(ctx) {
    const { options } = ctx
    const current = ctx.refreshToken()
    if (!current) throw ctx.error('REFRESH_REFUSED', 'There is no refresh token to refresh with')
    let body: unknown
    try {
      // The whole answer as the token ('/'): a backend may send it as plain text, as the incumbent accepted.
      body = await ctx.request(options.refreshEndpoint, 'refresh', { body: writePointer({}, options.refreshRequestTokenPointer, current), textAnswer: pointsToWhole(options.refreshResponseTokenPointer) })
    }
    catch (error) {
      // 401/403, or OAuth's 400 invalid_grant: the refresh token is dead. Anything else may pass.
      if (isAuthError(error) && (error.code === 'UNAUTHORIZED' || (error.status === 400 && isInvalidGrant(error.data)))) {
        throw ctx.error('REFRESH_REFUSED', 'The backend refused the refresh token', { status: error.status, data: error.data, cause: error })
      }
      throw error
    }
    const token = valueAt(body, options.refreshResponseTokenPointer)
    if (typeof token !== 'string' || !token) throw unexpectedAnswer(ctx, 'refresh', options.refreshEndpoint, body, 'refresh.token.refreshResponseTokenPointer', options.refreshResponseTokenPointer, 'a token')
    // A rotated refresh token always replaces the old one, whatever refreshOnlyToken says: presenting the old one
    // again would look like token theft to a backend with reuse detection (RFC 9700 §4.14.2).
    const rotated = valueAt(body, options.signInResponseRefreshTokenPointer)
    const refreshToken = typeof rotated === 'string' && rotated ? rotated : undefined
    if (!options.refreshOnlyToken && !refreshToken) {
      throw unexpectedAnswer(ctx, 'refresh', options.refreshEndpoint, body, 'refresh.token.signInResponseRefreshTokenPointer', options.signInResponseRefreshTokenPointer, 'a refresh token (auth.provider.refresh.refreshOnlyToken is false)')
    }
    return { token, refreshToken }
  },
})

/**
 * OAuth 2.0's `{ "error": "invalid_grant" }` (RFC 6749 §5.2), or the same under `data` as an h3 or Nitro backend's
 * `createError({ statusCode: 400, data: { error: 'invalid_grant' } })` sends it.
 */
function isInvalidGrant(body: unknown): boolean {
  const answer = body as { error?: unknown, data?: { error?: unknown } } | null | undefined
  return answer?.error === 'invalid_grant' || answer?.data?.error === 'invalid_grant'
}
