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
 */
// One per server process (see session-cache.ts for why on globalThis).
const IN_FLIGHT = Symbol.for('nuxt-gatekeeper:refresh-in-flight')
const inFlight: Map<string, Promise<unknown>> = ((globalThis as { [IN_FLIGHT]?: Map<string, Promise<unknown>> })[IN_FLIGHT] ??= new Map())

/** The longest an answer's delivery keeps the refresh joinable (a response that never reports `close`). */
export const ANSWER_HOLD_MAX_MS = 10_000

export async function dedupeServerRefresh<T>(refreshToken: string, accessToken: string, refresh: () => Promise<T>, answered?: () => Promise<unknown>): Promise<T> {
  const key = await sha256Hex(`${refreshToken}\n${accessToken}`)
  const existing = inFlight.get(key) as Promise<T> | undefined
  if (existing) return await existing
  const promise = refresh()
  inFlight.set(key, promise)
  const forget = () => {
    if (inFlight.get(key) === promise) inFlight.delete(key)
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
  }, forget)
  return await promise
}
