import type { NitroFetchOptions, NitroFetchRequest } from 'nitropack'
import { useNuxtApp } from '#imports'
import { AuthError, formatAuthorization } from '../../core'
import type { PublicAuthConfig } from '../../core/config'
import type { AuthManager } from '../manager'
import { forgetCachedSession } from '../../shared/session-cache'
import { useAuthManager } from './useAuth'

export type AuthFetch = <T = unknown>(request: NitroFetchRequest, options?: NitroFetchOptions<NitroFetchRequest>) => Promise<T>

/** Headers as a plain record, whichever form the caller used (plain records travel through every fetch layer). */
function plainHeaders(headers: unknown): Record<string, string> {
  if (!headers) return {}
  if (Array.isArray(headers)) return Object.fromEntries(headers as Array<[string, string]>)
  if (typeof (headers as Headers).forEach === 'function' && typeof (headers as Headers).get === 'function') {
    const record: Record<string, string> = {}
    ;(headers as Headers).forEach((value, name) => {
      record[name] = value
    })
    return record
  }
  return { ...(headers as Record<string, string>) }
}

function statusOf(error: unknown): number | undefined {
  return (error as { response?: { status?: number } }).response?.status ?? (error as { statusCode?: number }).statusCode
}

/**
 * `$fetch` with the current token in the configured header. An expiring token is refreshed first (one
 * refresh for any number of concurrent calls); a 401 runs (or joins) a refresh and retries once; a second
 * 401 or a refused refresh signs out. Works during SSR as well.
 */
export function createAuthFetch(manager: AuthManager, config: PublicAuthConfig): AuthFetch {
  const withToken = (options: NitroFetchOptions<NitroFetchRequest> = {}) => {
    const token = manager.tokenCookie?.value
    if (!token || !config.token) return options
    const headerName = config.token.headerName
    // Ours replaces the caller's, whatever its spelling: two Authorization headers would be joined by fetch.
    const headers = Object.fromEntries(Object.entries(plainHeaders(options.headers)).filter(([name]) => name.toLowerCase() !== headerName.toLowerCase()))
    return { ...options, headers: { ...headers, [headerName]: formatAuthorization(config.token.type, token) } }
  }

  return async function authFetch<T>(request: NitroFetchRequest, options?: NitroFetchOptions<NitroFetchRequest>): Promise<T> {
    await manager.refresher?.refreshIfNeeded().catch(() => {})
    try {
      return await $fetch<T>(request, withToken(options)) as T
    }
    catch (error) {
      if (statusOf(error) !== 401) throw error
      // The backend no longer takes this token: the next SSR request must not answer from the session cache.
      if (import.meta.server) await forgetCachedSession(manager.tokenCookie?.value)
      if (!manager.refresher || !manager.refreshCookie?.value) {
        // No way to renew: let the session endpoint give the verdict (it signs out on a 401 of its own).
        await manager.getSession().catch(() => {})
        throw error
      }
      // Throws REFRESH_REFUSED (after signing out) or a transient error (session kept).
      await manager.refresher.refresh()
      try {
        return await $fetch<T>(request, withToken(options)) as T
      }
      catch (retryError) {
        if (statusOf(retryError) === 401) {
          // The API refuses even fresh tokens: this session is over (no backend sign-out call to make).
          await manager.endSession('session-refused')
          throw new AuthError('UNAUTHORIZED', 'The API refused a freshly refreshed token', { status: 401, cause: retryError })
        }
        throw retryError
      }
    }
  }
}

/** The authenticated fetch helper; also available as `useNuxtApp().$authFetch`. */
export function useAuthFetch(): AuthFetch {
  return (useNuxtApp() as unknown as { $authFetch: AuthFetch }).$authFetch ?? createAuthFetch(useAuthManager(), useAuthManager().config)
}
