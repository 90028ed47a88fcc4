import { destr } from 'destr'
import built from '#gatekeeper-server-config'
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
  sessions?: SessionSettings
  sharedState?: SharedStateSettings
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

const envName = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** `settings` (changed in place) with every key the environment sets under `path`. */
export function applyEnv<T extends object>(settings: T, path: string, env: Record<string, string | undefined>): T {
  const target = settings as Record<string, unknown>
  for (const key of Object.keys(target)) {
    const name = `${path}_${envName(key)}`
    const raw = env[`NITRO_${name}`] ?? env[`NUXT_${name}`]
    const value = raw === undefined ? undefined : destr(raw)
    if (isObject(target[key])) {
      if (isObject(value)) target[key] = { ...target[key], ...value }
      else if (value !== undefined) {
        target[key] = value
        continue
      }
      applyEnv(target[key] as object, name, env)
    }
    else if (value !== undefined) target[key] = value
  }
  return settings
}
