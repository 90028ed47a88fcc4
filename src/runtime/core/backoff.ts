/**
 * Exponential backoff for automatic retries (timers, focus, the fetch helper): after a failure that is not
 * a verdict, automatic triggers wait 1 s, 2 s, 4 s … up to `maxMs` (15 s: a recovered backend is noticed
 * soon) instead of hammering a sick one.
 */
export interface Backoff {
  /** Milliseconds until the next automatic attempt is allowed (0 = now). */
  remaining(now: number): number
  /** Records a failure at `now`; returns the wait before the next attempt. */
  fail(now: number): number
  succeed(): void
  readonly failures: number
}

export function createBackoff({ baseMs = 1000, maxMs = 15_000 } = {}): Backoff {
  let failures = 0
  let until = 0
  return {
    remaining: now => Math.max(0, until - now),
    fail(now) {
      failures += 1
      const wait = Math.min(maxMs, baseMs * 2 ** (failures - 1))
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
