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

export function createIssuerClock(localNow: () => number = () => Date.now()): IssuerClock {
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

/**
 * Feeds `clock` the `iat` (ms) of tokens just received: the issuer's time at the latest, since a backend may hand out
 * a token it issued earlier (one it keeps while still valid, or with the first sign-in's `iat` copied). An `iat`
 * moves the estimate ahead at once; behind only when the one before it agreed, so one old `iat` cannot set it back.
 */
export function issuedAtObserver(clock: IssuerClock, localNow: () => number = () => Date.now()) {
  /** The offset the last `iat` suggested and did not set: a next one that agrees confirms it. */
  let unconfirmed: number | undefined
  return (issuedAt: number) => {
    const localTime = localNow()
    const observed = issuedAt - localTime
    if (!Number.isFinite(observed)) return
    const confirmed = unconfirmed !== undefined && Math.abs(observed - unconfirmed) < TOLERANCE_MS
    unconfirmed = observed
    if (observed > clock.offset() || confirmed) clock.observe(issuedAt, localTime)
  }
}
