import type { H3Event } from 'h3'
import { AuthError, minRefreshIntervalMs, tokenLifetimeMs, tokenTiming, type ClientStrategy, type StrategyContext, type TokenResult } from '../core'
import { createExpiringCache, sha256HexSync } from './expiring-cache'
import { dedupeServerRefresh, endServerRefresh, HTTPONLY_REPLAY_GRACE_MS, supersedeServerRefresh } from './refresh-dedupe'
import { observeIssuedToken } from './server-issuer-clock'
import type { TokenStore } from './token-store'

/**
 * Spends the refresh token on the server (an SSR render, the refresh relay route) and sets the rotated cookies
 * on this response. Requests of one browser presenting the same refresh token while a refresh is in flight, its answer
 * included (`answered`: resolves once this response has left), share it (see refresh-dedupe.ts), so a reload
 * during a tab's refresh joins that refresh instead of spending the token again. `owner`: the request (its event),
 * so that a sign-in or sign-out it makes later waits for none of its own answers.
 */
export async function refreshOnServer(strategy: ClientStrategy<unknown>, context: StrategyContext<unknown>, tokens: TokenStore, answered?: () => Promise<boolean>, owner?: object): Promise<TokenResult> {
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
  // httpOnly cookies: no tab lock can hold a page's requests back while a refresh runs, and a sign-out or sign-in
  // goes through the server, which can end a refresh on its way (see refresh-dedupe.ts): this request then no longer
  // reads or writes the tokens, which are not the browser's any more.
  const presentedToken = tokens.token()
  const result = await dedupeServerRefresh(refreshToken, spend, tokens.httpOnly
    ? { answered, graceMs: HTTPONLY_REPLAY_GRACE_MS, onEnded: tokens.detach, presentedToken, owner }
    : { answered, presentedToken })
  writeSuccessor(tokens, result)
  return { ...result, stored: true }
}

// Access tokens a refresh after a 401 got lately (their hashes), each for the shortest time between two refreshes of
// one browser (minRefreshIntervalMs): a 401 to one of those again is no reason for another refresh. An API that
// refuses a token for another reason than its age (a 401 for a resource) would otherwise rotate the refresh token at
// every call, each call bringing the token the one before got.
const issuedAfterRefusal = /* @__PURE__ */ createExpiringCache<true>(10_000)

/** Records `token` as the successor a refresh after a 401 got (see issuedAfterRefusal). */
export function rememberRefusalSuccessor(token: string | null) {
  const key = token && sha256HexSync(token)
  if (key) issuedAfterRefusal.set(key, true, Date.now() + minRefreshIntervalMs(tokenLifetimeMs(tokenTiming(token!))))
}

/** Whether a refresh after a 401 issued `token` too lately to refresh again after another 401 to it. */
export function refusedAgainSoon(token: string): boolean {
  const key = sha256HexSync(token)
  return key !== undefined && issuedAfterRefusal.get(key) !== undefined
}

/** Rotation: a new refresh token replaces the spent one, always; without one the refresh token stays. */
function writeSuccessor(tokens: TokenStore, result: TokenResult) {
  tokens.write({ token: result.token || null, refreshToken: result.refreshToken || undefined })
}

/**
 * For a sign-out: ends a refresh of this request's tokens that another request (another tab, a server render)
 * has on its way (see endServerRefresh), and puts its successor in their place, so that the sign-out ends, at the
 * backend too, the tokens the browser would hold if that refresh's answer had already left.
 */
export async function endRefreshOnServer(tokens: TokenStore, owner?: object): Promise<void> {
  // Server-side sessions refresh under the session's lock, and never bring back a session a sign-out removed: the
  // sign-out takes the tokens stored once such a refresh is done (the successor, not the spent ones). A storage that
  // cannot tell leaves the tokens the request came with: the sign-out goes on (ending the session needs no lock).
  if (tokens.refreshExclusive) return await tokens.settle?.().catch(() => {})
  const refreshToken = tokens.refreshToken()
  if (!refreshToken) return
  const successor = await endServerRefresh<TokenResult>(refreshToken, owner)
  try {
    if (successor) writeSuccessor(tokens, successor)
  }
  catch {
    // A successor its cookie cannot hold (too big, or no header could carry it) was never set anywhere: the sign-out
    // goes on with the tokens it came with.
  }
}

/**
 * For a sign-in: takes the refresh token the browser holds now, before the sign-in replaces it. The function it
 * returns, called once the sign-in succeeded, ends a refresh of that token another request has on its way (see
 * supersedeServerRefresh): its answer would set the previous tokens over the new ones. Resolves once the answers
 * that set them already have left, so the sign-in's reaches the browser last. Not when the backend handed out the
 * same refresh token again: it is the new session's too, and so is that refresh's answer. Server-side sessions need
 * none: a sign-in opens a new session, and that refresh stores its answer in the previous one.
 */
export function supersedingSignIn(tokens: TokenStore, owner?: object): () => Promise<void> {
  const previous = tokens.refreshExclusive ? null : tokens.refreshToken()
  return async () => {
    if (previous && tokens.refreshToken() !== previous) await supersedeServerRefresh(previous, owner)
  }
}

/**
 * Resolves once the response to `event` has left this server or its connection closed: true when its headers (the
 * `Set-Cookie` with the successor) were sent, false when the connection closed before (the browser gave up waiting,
 * the network dropped). A page whose body the visitor left mid-stream got its cookies.
 */
export function responseSent(event: H3Event): Promise<boolean> {
  const response = event.node.res
  if (response.writableFinished || response.destroyed) return Promise.resolve(response.headersSent)
  return new Promise(resolve => response.once('close', () => resolve(response.headersSent)))
}
