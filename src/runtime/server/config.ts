import { useRuntimeConfig } from '#imports'
import type { PublicAuthConfig } from '../core/config'
import { resolveAuthConfig } from '../shared/config'

let resolved: PublicAuthConfig | undefined

/**
 * The public config this server runs with (build-time options, the environment applied): the same for every
 * request, so resolved once per process. Not from `useRuntimeConfig(event)`, whose first call on a request
 * clones and env-scans the whole runtime config.
 */
export function serverAuthConfig(): PublicAuthConfig {
  const runtime = useRuntimeConfig()
  return resolved ??= resolveAuthConfig(runtime.public.auth, runtime.app.baseURL)
}
