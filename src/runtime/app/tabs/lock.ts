const TOKEN_LOCK = 'nuxt-gatekeeper:tokens'

// Without Web Locks the lease is loaded once the page has loaded (module.ts leaves it out of the prefetch links), so
// a refresh that is due later does not wait for it, nor fail on it when the network is gone by then.
if (import.meta.client && typeof document !== 'undefined' && !webLocks()) {
  const load = () => void import('./lease-lock').catch(() => {})
  if (document.readyState === 'complete') load()
  else window.addEventListener('load', load, { once: true })
}

function webLocks(): LockManager | undefined {
  return typeof navigator === 'undefined' ? undefined : (navigator as Navigator & { locks?: LockManager }).locks
}

/**
 * Holds the tab lock over the token cookies while `task` reads, spends or writes them: refreshes, sign-in and
 * sign-out of every tab take turns, so none writes over another's answer, and two tabs never spend the same
 * refresh token. Web Locks where the browser has them; elsewhere (plain http on a LAN address is no secure
 * context, older browsers) a lease in localStorage (./lease-lock), a chunk loaded only there. Even with the app's
 * server joining concurrent refreshes, tabs need it: one that decided to refresh before another's answer arrived
 * would rotate the new pair once more (test/e2e/refresh-tabs.test.ts saw 2 refreshes for 3 tabs under load).
 * On the server there are no tabs: it runs at once, and the caller de-duplicates per process.
 */
export async function withTokenLock<T>(task: () => Promise<T>): Promise<T> {
  if (import.meta.server) return await task()
  const locks = webLocks()
  if (locks?.request) return await locks.request(TOKEN_LOCK, { mode: 'exclusive' }, task) as T
  const { withLeaseLock } = await import('./lease-lock')
  return await withLeaseLock(TOKEN_LOCK, task)
}
