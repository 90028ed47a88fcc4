import { watch, type Ref } from 'vue'
import { jwtExpiry } from '../core/token'

// setTimeout fires at once for delays above 2^31-1 ms; longer waits are re-armed in steps.
const MAX_TIMEOUT = 2 ** 31 - 1

/**
 * Calls `onExpired` `leadMs` before the stored JWT expires: the refresh provider refreshes then; without
 * refresh the session is re-checked at expiry, so an expired token does not leave the tab showing
 * `authenticated` until the next navigation. Opaque tokens expire with their cookie. Client only.
 */
export function watchTokenExpiry(token: Ref<string | null | undefined>, onExpired: () => void, leadMs: (token: string) => number = () => 0): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined

  const arm = (expiresAt: number) => {
    const delay = Math.max(0, expiresAt - Date.now())
    timer = setTimeout(() => {
      if (Date.now() < expiresAt) arm(expiresAt)
      else onExpired()
    }, Math.min(delay, MAX_TIMEOUT))
  }

  const stop = watch(token, (value) => {
    clearTimeout(timer)
    const expiresAt = value ? jwtExpiry(value) : null
    if (value && expiresAt !== null) arm(expiresAt - leadMs(value))
  }, { immediate: true })

  return () => {
    stop()
    clearTimeout(timer)
  }
}
