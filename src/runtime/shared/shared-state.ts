import type { Storage } from 'unstorage'
import type { SessionKeys } from '../server/sessions/keys'
import type { NamedLock } from '../server/sessions/lock'

/**
 * `auth.sharedState`: the server's session cache and refresh de-dup of the token modes, kept in a storage every
 * server instance shares (Redis), so instances behind a load balancer behave as one: one refresh per browser
 * and expiry across the fleet, one session lookup per token. Started by its Nitro plugin; on globalThis, since
 * the Nuxt server app (SSR) and Nitro's routes are bundled apart.
 */
/** `auth.sharedState` (each key from NUXT_AUTH_SHARED_STATE_* at run time). */
export interface SharedStateSettings {
  storage: string
  secret: string
  redisUrl: string
  redisBase: string
}

export interface SharedState {
  storage: Storage
  keys: SessionKeys
  lock: NamedLock
  /** For messages: which storage. */
  name: string
  /** How long a lock may be held (a refresh's request timeout, and a margin). */
  lockTtlMs: number
}

const SHARED = Symbol.for('nuxt-gatekeeper:shared-state')
const holder = globalThis as { [SHARED]?: Promise<SharedState> }

export function sharedState(): Promise<SharedState> | undefined {
  return holder[SHARED]
}

export function setSharedState(state: Promise<SharedState>) {
  holder[SHARED] = state
  // A shared state that failed to start (logged by its plugin) is no shared state: this process's own de-dup and cache serve.
  state.catch(() => {
    if (holder[SHARED] === state) holder[SHARED] = undefined
  })
}

/** Reads a sealed JSON value; null when absent or unreadable (another secret, tampered). */
export async function readSealed<T>(state: SharedState, key: string): Promise<T | null> {
  const sealed = await state.storage.getItem<string>(key)
  if (typeof sealed !== 'string') return null
  const opened = await state.keys.open(sealed, key)
  return opened === null ? null : JSON.parse(opened) as T
}

export async function writeSealed(state: SharedState, key: string, value: unknown, ttlSeconds: number) {
  await state.storage.setItem(key, await state.keys.seal(JSON.stringify(value), key), { ttl: Math.max(1, Math.ceil(ttlSeconds)) })
}
