import { watch, type Ref } from 'vue'
import { jwtExpiry } from '../core/token'

// setTimeout fires at once for delays above 2^31-1 ms; longer waits are re-armed in steps.
const MAX_TIMEOUT = 2 ** 31 - 1

/**
 * Re-checks the session when the stored JWT expires, so an expired token does not leave the tab showing
 * `authenticated` until the next navigation. Opaque tokens expire with their cookie. Client only.
 */
export function watchTokenExpiry(token: Ref<string | null | undefined>, onExpired: () => void): () => void {
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
    if (expiresAt !== null) arm(expiresAt)
  }, { immediate: true })

  return () => {
    stop()
    clearTimeout(timer)
  }
}
