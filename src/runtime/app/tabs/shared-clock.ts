/**
 * Until when automatic refreshes wait after a failure, in every tab (app/refresher.ts). A sign-in or sign-out
 * forgets it: the next session's refresh token was never refused.
 */
export const REFRESH_RETRY_KEY = 'nuxt-gatekeeper:refresh-retry-at'

/** Removes a shared timestamp for every tab (their own memory of it aside). */
export function forgetSharedTimestamp(key: string) {
  try {
    if (import.meta.client && typeof localStorage !== 'undefined') localStorage.removeItem(key)
  }
  catch { /* nothing shared */ }
}

/**
 * A timestamp every tab of this origin sees (localStorage), e.g. when the browser last refreshed. Falls back
 * to this tab's memory where storage is unavailable (private modes, the server).
 */
export function sharedTimestamp(key: string) {
  let memory = 0
  const storage = (): Storage | null => {
    try {
      return import.meta.client && typeof localStorage !== 'undefined' ? localStorage : null
    }
    catch {
      return null
    }
  }
  return {
    get(): number {
      try {
        const stored = Number(storage()?.getItem(key))
        return Number.isFinite(stored) && stored > memory ? stored : memory
      }
      catch {
        return memory
      }
    },
    set(value: number) {
      memory = value
      try {
        storage()?.setItem(key, String(value))
      }
      catch { /* memory only */ }
    },
  }
}
