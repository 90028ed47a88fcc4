/**
 * The issuer's clock as this browser can estimate it. Token expiry (`exp`) is written in the backend's clock;
 * comparing it with a browser clock that runs an hour ahead makes every token look expired (a refresh storm)
 * and one that runs behind lets expired tokens through. Observations (the server's time when it rendered
 * the page, a fresh token's `iat`) give the offset; small differences are noise (`iat` has 1 s resolution,
 * plus latency) and are ignored.
 */
export interface IssuerClock {
  /** The issuer's time now, in epoch ms. */
  now(): number
  /** `issuerTime` (ms) was current at about `localTime` (ms) on this machine: a time the app's own server stated. */
  observe(issuerTime: number, localTime?: number): void
  /**
   * A just-received token's `iat` (ms): the issuer's time at the latest, since a backend may hand out a token it
   * issued earlier (one it keeps while still valid, or with the first sign-in's `iat` copied). It moves the estimate
   * ahead at once; behind only when the claim before it agreed, so one old `iat` cannot set the clock back.
   */
  observeIssued(issuedAt: number, localTime?: number): void
  /** The estimated offset, ms (issuer minus local). */
  offset(): number
}

/** Below this the difference is measurement noise. */
const TOLERANCE_MS = 2_000

export function createIssuerClock(localNow: () => number = () => Date.now()): IssuerClock {
  let offset = 0
  /** The offset the last `iat` suggested and did not set: a second one that agrees confirms it. */
  let unconfirmed: number | undefined
  const settle = (observed: number) => {
    offset = Math.abs(observed) < TOLERANCE_MS ? 0 : observed
  }
  return {
    now: () => localNow() + offset,
    observe(issuerTime, localTime = localNow()) {
      if (Number.isFinite(issuerTime)) settle(issuerTime - localTime)
    },
    observeIssued(issuedAt, localTime = localNow()) {
      if (!Number.isFinite(issuedAt)) return
      const observed = issuedAt - localTime
      const confirmed = unconfirmed !== undefined && Math.abs(observed - unconfirmed) < TOLERANCE_MS
      unconfirmed = observed
      if (observed > offset || confirmed) settle(observed)
    },
    offset: () => offset,
  }
}
