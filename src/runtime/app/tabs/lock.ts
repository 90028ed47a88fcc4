/**
 * Runs `task` while holding a lock shared by every tab of this origin, so two tabs never spend the same
 * refresh token. Web Locks where the browser has them; elsewhere (plain http on a LAN address is no secure
 * context, older browsers) `withoutWebLocks`. On the server there are no tabs: the caller de-duplicates per process.
 */
async function withTabLock<T>(name: string, task: () => Promise<T>, withoutWebLocks: (name: string, task: () => Promise<T>) => Promise<T>): Promise<T> {
  const locks = typeof navigator === 'undefined' ? undefined : (navigator as Navigator & { locks?: LockManager }).locks
  if (locks?.request) return await locks.request(name, { mode: 'exclusive' }, task) as T
  return await withoutWebLocks(name, task)
}

const TOKEN_LOCK = 'nuxt-gatekeeper:tokens'

/**
 * Holds the tab lock over the token cookies while `task` reads, spends or writes them: refreshes, sign-in and
 * sign-out of every tab take turns, so none writes over another's answer. On the server it runs at once.
 * Without Web Locks, a lease in localStorage (./lease-lock), loaded only there. Even with the app's server
 * joining concurrent refreshes, tabs need it: one that decided to refresh before another's answer arrived would
 * otherwise rotate the new pair once more (test/e2e/refresh-tabs.test.ts saw 2 refreshes for 3 tabs under load).
 */
export function withTokenLock<T>(task: () => Promise<T>): Promise<T> {
  return import.meta.server ? task() : withTabLock(TOKEN_LOCK, task, async (name, locked) => (await import('./lease-lock')).withLeaseLock(name, locked))
}
