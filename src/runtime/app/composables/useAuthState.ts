import { computed, toRef } from 'vue'
import { useAuthManager } from './useAuth'

/**
 * The lower-level state: the Pinia store's session data plus the tokens. `rawToken` and `rawRefreshToken`
 * follow the cookie jar; assigning to them writes through the token store at once (never a delayed
 * write-back). Tokens are never part of the SSR payload, and httpOnly tokens read as null everywhere.
 */
export function useAuthState() {
  const manager = useAuthManager()
  const { store, tokens } = manager
  const rawToken = computed<string | null>({
    get: () => tokens.views.token.value,
    set: value => tokens.write({ token: value }),
  })
  const rawRefreshToken = computed<string | null>({
    get: () => tokens.views.refreshToken.value,
    set: value => tokens.write({ refreshToken: value }),
  })
  return {
    store,
    status: computed(() => store.status),
    data: toRef(store, 'data'),
    lastRefreshedAt: toRef(store, 'lastRefreshedAt'),
    /** True while an operation (check, sign-in, sign-out…) runs. */
    loading: computed(() => store.loading),
    rawToken,
    /** The access token's header value (`Bearer …`), or null. */
    token: computed(() => tokens.authorization(rawToken.value)?.value ?? null),
    rawRefreshToken,
    /** The refresh token as stored (it is sent in the refresh request body, so it has no prefix). */
    refreshToken: computed(() => rawRefreshToken.value),
    /** Stores a token you obtained yourself; call `useAuth().getSession()` afterwards to load the session. */
    setToken: (token: string | null) => tokens.write({ token }),
    setRefreshToken: (token: string | null) => tokens.write({ refreshToken: token }),
    /** Removes the access token, as the incumbent's does; the refresh token stays (no backend call, no state change). */
    clearToken: () => tokens.write({ token: null }),
  }
}
