/**
 * Runs `task` while holding a lock shared by every tab of this origin, so two tabs never spend the same
 * refresh token. Web Locks where the browser has them; elsewhere (plain http on a LAN address is no secure
 * context, older browsers) a lease in localStorage (./lease-lock), loaded only there. On the server there are
 * no tabs: the caller de-duplicates per process.
 */
export async function withTabLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator === 'undefined' ? undefined : (navigator as Navigator & { locks?: LockManager }).locks
  if (locks?.request) return await locks.request(name, { mode: 'exclusive' }, task) as T
  const { withLeaseLock } = await import('./lease-lock')
  return await withLeaseLock(name, task)
}

const TOKEN_LOCK = 'nuxt-gatekeeper:tokens'

/**
 * Holds the tab lock over the token cookies while `task` reads, spends or writes them: refreshes, sign-in and
 * sign-out of every tab take turns, so none writes over another's answer. On the server it runs at once.
 */
export function withTokenLock<T>(task: () => Promise<T>): Promise<T> {
  return import.meta.server ? task() : withTabLock(TOKEN_LOCK, task)
}
