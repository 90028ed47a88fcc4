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
  /** `issuerTime` (ms) was current at about `localTime` (ms) on this machine. */
  observe(issuerTime: number, localTime?: number): void
  /** The estimated offset, ms (issuer minus local). */
  offset(): number
}

/** Below this the difference is measurement noise. */
const TOLERANCE_MS = 2_000

export function createIssuerClock(localNow: () => number = Date.now): IssuerClock {
  let offset = 0
  return {
    now: () => localNow() + offset,
    observe(issuerTime, localTime = localNow()) {
      if (!Number.isFinite(issuerTime)) return
      const observed = issuerTime - localTime
      offset = Math.abs(observed) < TOLERANCE_MS ? 0 : observed
    },
    offset: () => offset,
  }
}
