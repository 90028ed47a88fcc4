import type { H3Event } from 'h3'
import { useRuntimeConfig } from '#imports'
import type { AuthjsServerOptions } from '../options'

/** `runtimeConfig.auth` as the module writes it for Auth.js (env: NUXT_AUTH_SECRET, NUXT_AUTH_PROVIDER_TRUST_HOST). */
export function authjsSettings(event?: H3Event) {
  const config = useRuntimeConfig(event) as unknown as { auth?: { secret?: string, provider?: Partial<AuthjsServerOptions> }, public: { auth?: { baseURL?: string } } }
  return {
    secret: config.auth?.secret || undefined,
    trustHost: String(config.auth?.provider?.trustHost) === 'true',
    basePath: config.auth?.provider?.basePath || '/api/auth',
    baseURL: config.public.auth?.baseURL || '/api/auth',
  }
}
