import type { NitroFetchOptions, NitroFetchRequest } from 'nitropack'
import { useNuxtApp } from '#imports'
import { useAuthManager } from './useAuth'

export type AuthFetch = <T = unknown>(request: NitroFetchRequest, options?: NitroFetchOptions<NitroFetchRequest>) => Promise<T>

/**
 * The authenticated fetch helper; also available as `useNuxtApp().$authFetch`. The module's plugin makes it; its
 * code (app/auth-fetch.ts) is loaded by the first call, so a page that calls this in setup downloads none of it
 * until it fetches.
 */
export function useAuthFetch(): AuthFetch {
  // Before the module's plugin ran: the error that names the fix.
  useAuthManager()
  return (useNuxtApp() as unknown as { $authFetch: AuthFetch }).$authFetch
}
