import { sha256Hex } from './expiring-cache'

/**
 * Server side: two SSR requests of one browser (two tabs, a prefetch) carrying the same expired access token
 * at the same time must not both spend the refresh token. The first spends it; the others, arriving while it
 * is in flight, wait for and share its result. Once it settles the entry is gone: a later request that
 * presents the same (now spent) pair is a replay and goes to the backend, whose reuse detection sees it.
 * Keyed by a hash of both tokens (never the tokens themselves), so nothing crosses between users.
 */
// One per server process (see session-cache.ts for why on globalThis).
const IN_FLIGHT = Symbol.for('nuxt-gatekeeper:refresh-in-flight')
const inFlight: Map<string, Promise<unknown>> = ((globalThis as { [IN_FLIGHT]?: Map<string, Promise<unknown>> })[IN_FLIGHT] ??= new Map())

export async function dedupeServerRefresh<T>(refreshToken: string, accessToken: string, refresh: () => Promise<T>): Promise<T> {
  const key = await sha256Hex(`${refreshToken}\n${accessToken}`)
  const existing = inFlight.get(key) as Promise<T> | undefined
  if (existing) return await existing
  const promise = refresh()
  inFlight.set(key, promise)
  const forget = () => {
    if (inFlight.get(key) === promise) inFlight.delete(key)
  }
  promise.then(forget, forget)
  return await promise
}
