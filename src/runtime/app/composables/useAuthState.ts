import { computed, ref, toRef } from 'vue'
import { formatAuthorization } from '../../core/token'
import { useAuthManager } from './useAuth'

/**
 * The lower-level state: the Pinia store's session data plus the token cookie.
 * `rawToken` reads and writes the cookie; it is never part of the SSR payload.
 */
export function useAuthState() {
  const manager = useAuthManager()
  const { store } = manager
  const { config } = manager
  // httpOnly cookies stay out of page code everywhere, SSR included (what SSR renders ends up in the HTML).
  const hidden = Boolean(config.token?.cookie.httpOnly)
  const rawToken = (!hidden && manager.tokenCookie) || ref<string | null>(null)
  const rawRefreshToken = (!hidden && manager.refreshCookie) || ref<string | null>(null)
  return {
    store,
    status: computed(() => store.status),
    data: toRef(store, 'data'),
    lastRefreshedAt: toRef(store, 'lastRefreshedAt'),
    /** True while an operation (check, sign-in, sign-out…) runs. */
    loading: computed(() => store.loading),
    rawToken,
    token: computed(() => (rawToken.value && config.token ? formatAuthorization(config.token.type, rawToken.value) : null)),
    /** Stores a token you obtained yourself; call `useAuth().getSession()` afterwards to load the session. */
    rawRefreshToken,
    /** The refresh token as stored (it is sent in the refresh request body, so it has no prefix). */
    refreshToken: computed(() => rawRefreshToken.value ?? null),
    setToken: (token: string | null) => manager.setToken(token),
    setRefreshToken: (token: string | null) => manager.setRefreshToken(token),
    /** Removes the token and the refresh token. */
    clearToken: () => manager.clearToken(),
  }
}
