import { defineClientStrategy, valueAt, writePointer, type ClientStrategy } from '#auth-core'
import local, { requestSignIn, unexpectedAnswer } from '../local/client'
import type { RefreshRuntimeOptions } from './options'

// The refresh provider's strategy less its own refresh: signing in, up and out, and the session. What the browser
// runs where refresh tokens rotate through this app's server (the relay route), which then alone calls the
// backend's refresh endpoint. ./client.ts adds that refresh to these same functions; they are exported one by one
// so it lists them rather than spreading this object, which a bundler would have to keep as a possible side effect.

export const signUp: ClientStrategy<RefreshRuntimeOptions>['signUp'] = (ctx, credentials, params) => local.signUp!(ctx, credentials, params)

/**
 * The refresh token goes along, so the backend can revoke it even when the access token has expired; in the body,
 * so only with a method that has one (fetch refuses a GET with a body, and the backend would never hear of it).
 */
export const signOut: ClientStrategy<RefreshRuntimeOptions>['signOut'] = async (ctx) => {
  const { signOut } = ctx.options.endpoints
  const refreshToken = ctx.refreshToken()
  if (!signOut || (!ctx.token() && !refreshToken)) return
  // Methods are lower-cased and limited to get/post/put/patch/delete when the options are resolved.
  const withBody = refreshToken && signOut.method !== 'get'
  await ctx.request(signOut, 'signOut', { body: withBody ? writePointer({}, ctx.options.refreshRequestTokenPointer, refreshToken) : undefined })
}

export const getSession: ClientStrategy<RefreshRuntimeOptions>['getSession'] = ctx => local.getSession(ctx)

export const signIn: ClientStrategy<RefreshRuntimeOptions>['signIn'] = async (ctx, credentials, params) => {
  const result = await requestSignIn(ctx, credentials, params, [ctx.options.signInResponseRefreshTokenPointer])
  const { endpoints, signInResponseRefreshTokenPointer: pointer } = ctx.options
  const refreshToken = valueAt(result.body, pointer)
  if (typeof refreshToken !== 'string' || !refreshToken) throw unexpectedAnswer(ctx, 'signIn', endpoints.signIn, result.body, 'refresh.token.signInResponseRefreshTokenPointer', pointer, 'a refresh token')
  return { token: result.token, session: result.session, refreshToken }
}

export default defineClientStrategy<RefreshRuntimeOptions>({ signUp, signOut, getSession, signIn })
