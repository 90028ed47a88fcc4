import type { H3Event } from 'h3'
import { useRuntimeConfig } from '#imports'
import { serverAuthConfig } from '#auth-server'
import type { AuthjsServerOptions } from '../options'

/**
 * `runtimeConfig.auth` as the module writes it for Auth.js (env: NUXT_AUTH_SECRET, NUXT_AUTH_PROVIDER_TRUST_HOST), and
 * the base URL the server runs with.
 */
export function authjsSettings(event?: H3Event) {
  const config = useRuntimeConfig(event) as unknown as { auth?: { secret?: string, provider?: Partial<AuthjsServerOptions> } }
  return {
    secret: config.auth?.secret || undefined,
    trustHost: String(config.auth?.provider?.trustHost) === 'true',
    basePath: config.auth?.provider?.basePath || '/api/auth',
    baseURL: serverAuthConfig().baseURL,
  }
}
