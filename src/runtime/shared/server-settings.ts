import built from '#gatekeeper-server-config'
import { applyEnv } from './env'
import type { JwtVerificationSettings } from './jwt-verification'
import type { SessionCacheSettings } from './session-cache'
import type { SessionSettings } from '../server/sessions/store'
import type { SharedStateSettings } from './shared-state'

/** The server-only settings of the token providers (`auth.*` in nuxt.config, `NUXT_AUTH_*` at run time). */
export interface ServerSettings {
  sessionCache: SessionCacheSettings
  maxBodyBytes: number
  relayHeaders: string[]
  jwtVerification: JwtVerificationSettings
  forward: Record<string, string>
  /** Where the provider's sign-in answer carries tokens (its `tokenPointers`): kept out of the relayed sign-up answer. */
  tokenPointers: string[]
  /** The provider's `backendRoutes`: paths under `baseURL` (or `/**`), with their method, that route rules never refuse. */
  backendRoutes: Array<{ path: string, method?: string }>
  sessions?: SessionSettings
  sharedState?: SharedStateSettings
  /**
   * What this app's renders send to its own routes (core/protocol.ts, RENDER_HEADER): random per build, so every
   * instance of one build knows the others' renders. `NUXT_AUTH_RENDER_MARK` gives instances built apart the same.
   */
  renderMark: string
}

let current: ServerSettings | undefined

/**
 * The build's server settings with the environment applied once per process, by Nitro's own rule for
 * `runtimeConfig.auth` (each key's path in SNAKE_CASE after `NUXT_AUTH_` or `NITRO_AUTH_`, values parsed with
 * destr, an object key taking a JSON object). Not in runtimeConfig itself: Nitro clones and env-scans the whole
 * runtimeConfig on every request, and these keys doubled that cost of every page (docs/benchmarks.md).
 */
export function serverSettings(): ServerSettings {
  return current ??= applyEnv(structuredClone(built) as ServerSettings, 'AUTH', globalThis.process?.env ?? {})
}
