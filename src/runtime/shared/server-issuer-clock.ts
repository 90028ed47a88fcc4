import { createIssuerClock, issuedAtObserver, type IssuerClock } from '../core/clock'
import { tokenTiming } from '../core/token'

/**
 * Server side: the token issuer's clock as this process estimates it. Expiry (`exp`) is written in the backend's
 * clock; an app server whose clock runs ahead of it by more than a token's lifetime would find every token
 * expired and refresh on every request (a storm the browser's minimum interval cannot stop: each request is a
 * new page load). Every access token this process has just received from a refresh it made itself states the
 * issuer's time in its `iat`, which corrects the estimate (core/clock.ts: an `iat` that sets it back needs a second
 * one that agrees); a refresh joined from another request or instance is not an observation (its token may have
 * been issued seconds before). Until then the clock is this machine's.
 */
// One per server process, on globalThis: Nuxt's server app and Nitro's routes are bundled separately (see
// session-cache.ts). Looked up when first used: a browser bundle that imports this file keeps nothing of it.
const CLOCK = Symbol.for('nuxt-gatekeeper:issuer-clock')

const ISSUED_AT = Symbol.for('nuxt-gatekeeper:issued-at-observer')

export function serverIssuerClock(): IssuerClock {
  return ((globalThis as { [CLOCK]?: IssuerClock })[CLOCK] ??= createIssuerClock())
}

/** The rule for `iat` observations (core/clock.ts), as one per process too. */
function observeIssued(issuedAt: number): void {
  const shared = globalThis as { [ISSUED_AT]?: (issuedAt: number) => void }
  ;(shared[ISSUED_AT] ??= issuedAtObserver(serverIssuerClock()))(issuedAt)
}

/**
 * `token` came from the backend just now (a refresh this process made): its `iat` is the issuer's time of about
 * now, plus half of `iat`'s one-second resolution.
 */
export function observeIssuedToken(token: string | null | undefined): void {
  const issuedAt = token ? tokenTiming(token).issuedAt : null
  if (issuedAt !== null) observeIssued(issuedAt + 500)
}

/**
 * An instant of the issuer's clock (ms, e.g. a token's `exp`) in this machine's, as the process knows that clock
 * now; null (no expiry stated) is never.
 */
export function localTimeOf(issuerTime: number | null): number {
  return issuerTime === null ? Number.POSITIVE_INFINITY : issuerTime - serverIssuerClock().offset()
}

/** Whether an instant of the issuer's clock has passed, by that clock as the process knows it now (null: never). */
export function issuerTimePassed(issuerTime: number | null): boolean {
  return localTimeOf(issuerTime) <= Date.now()
}

/** When `token` expires, in this machine's clock (ms); infinite when it states no expiry. */
export function localExpiry(token: string): number {
  return localTimeOf(tokenTiming(token).expiresAt)
}
