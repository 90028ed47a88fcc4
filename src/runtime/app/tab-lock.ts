/**
 * Runs `task` while holding a lock shared by every tab of this origin (Web Locks API), so two tabs never
 * spend the same refresh token. Where Web Locks are missing the task runs unlocked; the refresh-token
 * re-read inside the task and the tab broadcast still avoid most double refreshes.
 */
export async function withTabLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator === 'undefined' ? undefined : (navigator as Navigator & { locks?: LockManager }).locks
  if (!locks?.request) return await task()
  return await locks.request(name, { mode: 'exclusive' }, task) as T
}
