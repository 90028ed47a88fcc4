/**
 * Exponential backoff for automatic retries (timers, focus, the fetch helper): after a failure that is not
 * a verdict, automatic triggers wait 1 s, 2 s, 4 s … up to `maxMs` (15 s: a recovered backend is noticed
 * soon) instead of hammering a sick one.
 */
export interface Backoff {
  /** Milliseconds until the next automatic attempt is allowed (0 = now). */
  remaining(now: number): number
  /**
   * Records a failure at `now`; returns the wait before the next attempt. `atLeastMs`: what the backend asked
   * for (a 429's `Retry-After`), honoured up to RETRY_AFTER_MAX_MS.
   */
  fail(now: number, atLeastMs?: number): number
  succeed(): void
  readonly failures: number
}

/**
 * The longest an automatic retry waits because a backend said so: a `Retry-After` of a day (a misconfigured
 * limiter) must not stop a tab from refreshing for a day. Calls the app makes itself are never held back.
 */
export const RETRY_AFTER_MAX_MS = 10 * 60_000

/**
 * Milliseconds left until `until`, a wait this browser set (it may be another tab's, kept in localStorage). One
 * further ahead than any wait can be was set before the clock was put back: it is over.
 */
export function waitLeft(until: number, now: number): number {
  const left = until - now
  return left > RETRY_AFTER_MAX_MS ? 0 : Math.max(0, left)
}

export function createBackoff({ baseMs = 1000, maxMs = 15_000 } = {}): Backoff {
  let failures = 0
  let until = 0
  return {
    remaining: now => Math.max(0, until - now),
    fail(now, atLeastMs = 0) {
      failures += 1
      const wait = Math.max(Math.min(maxMs, baseMs * 2 ** (failures - 1)), Math.min(atLeastMs, RETRY_AFTER_MAX_MS))
      until = now + wait
      return wait
    },
    succeed() {
      failures = 0
      until = 0
    },
    get failures() {
      return failures
    },
  }
}
