/**
 * Failed sign-ins per email: after `loginFailuresAllowed` of them within `loginLockoutSeconds`, that email's
 * sign-ins answer 429 with `Retry-After` until the window ends, whatever the password. Counted for unknown emails
 * too, so the answer never tells which emails have accounts. In this process's memory: a backend on several
 * instances keeps the counts in shared storage instead.
 */
interface Failures { count: number, until: number }

const failures = new Map<string, Failures>()

/** Past this many emails, ended windows are swept before another is added: a flood of new emails cannot grow it without bound. */
const SWEEP_ABOVE = 10_000

/** Seconds this email must wait before its next sign-in is looked at; 0 when it may try now. */
export function loginWaitSeconds(email: string): number {
  const entry = failures.get(email)
  const now = Date.now()
  if (!entry || entry.until <= now || entry.count < useRuntimeConfig().loginFailuresAllowed) return 0
  return Math.ceil((entry.until - now) / 1000)
}

export function recordLoginFailure(email: string) {
  const now = Date.now()
  const entry = failures.get(email)
  if (entry && entry.until > now) {
    entry.count += 1
    return
  }
  if (failures.size >= SWEEP_ABOVE) {
    for (const [key, value] of failures) if (value.until <= now) failures.delete(key)
  }
  failures.set(email, { count: 1, until: now + useRuntimeConfig().loginLockoutSeconds * 1000 })
}

export function clearLoginFailures(email: string) {
  failures.delete(email)
}
