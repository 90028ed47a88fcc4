import { sha256Hex } from './expiring-cache'

/**
 * Server side: requests of one browser carrying the same cookie pair while a refresh with it is in flight
 * (two SSR renders of tabs restored at once, a reload during a tab's refresh through the relay route) must not
 * spend the refresh token twice. The first spends it; the others join it and get its result.
 *
 * In flight lasts until the answer carrying the successor has left this server (`answered`: the response's
 * `close`), because until then the browser still holds the spent pair and may present it again. Not longer:
 * a request presenting the pair after that is a replay and goes to the backend, whose reuse detection sees it.
 * Keyed by a hash of both tokens (never the tokens themselves), so nothing crosses between users.
 *
 * Except with httpOnly refresh cookies (`graceMs`): page scripts cannot read them, so no tab lock holds a page's
 * other requests back while one refreshes, and a browser sends at most six at a time to a host: the rest leave
 * with the spent pair after the successor has been answered. For `graceMs` after the answer those get the same
 * successor instead of a reuse that would revoke the session; the grace a rotating identity provider gives
 * (Okta's grace period, Auth0's reuse interval) for the same reason.
 */
// One per server process (see session-cache.ts for why on globalThis).
const IN_FLIGHT = Symbol.for('nuxt-gatekeeper:refresh-in-flight')
const inFlight: Map<string, Promise<unknown>> = ((globalThis as { [IN_FLIGHT]?: Map<string, Promise<unknown>> })[IN_FLIGHT] ??= new Map())

/** The longest an answer's delivery keeps the refresh joinable (a response that never reports `close`). */
export const ANSWER_HOLD_MAX_MS = 10_000

/** With httpOnly refresh cookies: how long after its answer a spent pair still gets its successor. */
export const HTTPONLY_REPLAY_GRACE_MS = 10_000

export async function dedupeServerRefresh<T>(refreshToken: string, accessToken: string, refresh: () => Promise<T>, answered?: () => Promise<unknown>, graceMs = 0): Promise<T> {
  const key = await sha256Hex(`${refreshToken}\n${accessToken}`)
  const existing = inFlight.get(key) as Promise<T> | undefined
  if (existing) return await existing
  const promise = refresh()
  inFlight.set(key, promise)
  const drop = () => {
    if (inFlight.get(key) === promise) inFlight.delete(key)
  }
  const forget = () => {
    if (graceMs <= 0) return drop()
    const grace = setTimeout(drop, graceMs)
    ;(grace as { unref?: () => void }).unref?.()
  }
  promise.then(() => {
    if (!answered) return forget()
    let timer: ReturnType<typeof setTimeout> | undefined
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ANSWER_HOLD_MAX_MS)
      ;(timer as { unref?: () => void }).unref?.()
    })
    void Promise.race([answered(), bound]).then(() => {
      clearTimeout(timer)
      forget()
    })
  }, drop)
  return await promise
}
