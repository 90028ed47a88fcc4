import type { H3Event } from 'h3'
import { AuthError, type ClientStrategy, type StrategyContext, type TokenResult } from '../core'
import { dedupeServerRefresh, HTTPONLY_REPLAY_GRACE_MS } from './refresh-dedupe'
import { observeIssuedToken } from './server-issuer-clock'
import type { TokenStore } from './token-store'

/**
 * Spends the refresh token on the server (an SSR render, the refresh relay route) and sets the rotated cookies
 * on this response. Requests of one browser presenting the same pair while a refresh is in flight, its answer
 * included (`answered`: resolves once this response has left), share it (see refresh-dedupe.ts), so a reload
 * during a tab's refresh joins that refresh instead of spending the token again.
 */
export async function refreshOnServer(strategy: ClientStrategy<unknown>, context: StrategyContext<unknown>, tokens: TokenStore, answered?: () => Promise<unknown>): Promise<TokenResult> {
  const refreshToken = tokens.refreshToken()
  if (!strategy.refresh || !refreshToken) throw new AuthError('REFRESH_REFUSED', 'There is no refresh token to refresh with')
  // The refresh this process makes itself (not one it joins): its answer tells the issuer's time.
  const spend = async () => {
    const result = await strategy.refresh!(context)
    observeIssuedToken(result.token)
    return result
  }
  // Server-side sessions: once per session across every server instance, under the storage's lock.
  if (tokens.refreshExclusive) {
    await tokens.refreshExclusive(spend)
    return { stored: true }
  }
  // httpOnly cookies: no tab lock can hold a page's requests back while a refresh runs (see refresh-dedupe.ts).
  const graceMs = tokens.httpOnly ? HTTPONLY_REPLAY_GRACE_MS : 0
  const result = await dedupeServerRefresh(refreshToken, tokens.token() ?? '', spend, answered, graceMs)
  // Rotation: a new refresh token replaces the spent one, always.
  tokens.write({ token: result.token || null, refreshToken: result.refreshToken || undefined })
  return { ...result, stored: true }
}

/** Resolves once the response to `event` has left this server (or its connection closed). */
export function responseSent(event: H3Event): Promise<void> {
  const response = event.node.res
  if (response.writableFinished || response.destroyed) return Promise.resolve()
  return new Promise(resolve => response.once('close', () => resolve()))
}
