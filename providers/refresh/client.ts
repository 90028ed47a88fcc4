import { defineClientStrategy, isAuthError, readPointer, writePointer } from '#auth-core'
import local, { requestSignIn } from '../local/client'
import type { RefreshRuntimeOptions } from './options'

/** The local strategy plus refresh tokens: they arrive with the sign-in response and rotate on refresh. */
export default defineClientStrategy<RefreshRuntimeOptions>({
  signUp: (ctx, credentials, params) => local.signUp!(ctx, credentials, params),
  // The refresh token goes along, so the backend can revoke it even when the access token has expired.
  async signOut(ctx) {
    const { signOut } = ctx.options.endpoints
    const refreshToken = ctx.refreshToken()
    if (!signOut || (!ctx.token() && !refreshToken)) return
    await ctx.request(signOut, 'signOut', { body: refreshToken ? writePointer({}, ctx.options.refreshRequestTokenPointer, refreshToken) : undefined })
  },
  getSession: ctx => local.getSession(ctx),

  async signIn(ctx, credentials, params) {
    const result = await requestSignIn(ctx, credentials, params)
    const body = result.body
    const refreshToken = readPointer(body, ctx.options.signInResponseRefreshTokenPointer)
    if (!refreshToken.found || typeof refreshToken.value !== 'string' || !refreshToken.value) {
      throw ctx.error('BAD_RESPONSE', `The signIn response has no refresh token at refreshToken.signInResponseRefreshTokenPointer "${ctx.options.signInResponseRefreshTokenPointer}"`)
    }
    return { token: result.token, session: result.session, refreshToken: refreshToken.value }
  },

  async refresh(ctx) {
    const { options } = ctx
    const current = ctx.refreshToken()
    if (!current) throw ctx.error('REFRESH_REFUSED', 'There is no refresh token to refresh with')
    let body: unknown
    try {
      body = await ctx.request(options.refreshEndpoint, 'refresh', { body: writePointer({}, options.refreshRequestTokenPointer, current) })
    }
    catch (error) {
      // 401/403, or OAuth's 400 invalid_grant: the refresh token is dead. Anything else may pass.
      if (isAuthError(error) && (error.code === 'UNAUTHORIZED' || (error.status === 400 && (error.data as { error?: unknown } | undefined)?.error === 'invalid_grant'))) {
        throw ctx.error('REFRESH_REFUSED', 'The backend refused the refresh token', { status: error.status, data: error.data, cause: error })
      }
      throw error
    }
    const token = readPointer(body, options.refreshResponseTokenPointer)
    if (!token.found || typeof token.value !== 'string' || !token.value) {
      throw ctx.error('BAD_RESPONSE', `The refresh response has no token at refreshResponseTokenPointer "${options.refreshResponseTokenPointer}"`)
    }
    // A rotated refresh token always replaces the old one, whatever refreshOnlyToken says: presenting the old one
    // again would look like token theft to a backend with reuse detection (RFC 9700 §4.14.2).
    const rotated = readPointer(body, options.signInResponseRefreshTokenPointer)
    const refreshToken = rotated.found && typeof rotated.value === 'string' && rotated.value ? rotated.value : undefined
    if (!options.refreshOnlyToken && !refreshToken) {
      throw ctx.error('BAD_RESPONSE', `refreshOnlyToken is false, but the refresh response has no refresh token at "${options.signInResponseRefreshTokenPointer}"`)
    }
    return { token: token.value, refreshToken }
  },
})
