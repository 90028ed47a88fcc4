import { computed, toRef } from 'vue'
import { useNuxtApp } from '#imports'
import type { UseAuthStateReturn } from '../../types'
import { authStore } from '#gatekeeper-features'
import { useAuthManager } from './useAuth'

/**
 * The lower-level state: the session data plus the tokens, and the state itself (`store`: a Pinia store in apps
 * with @pinia/nuxt). `rawToken` and `rawRefreshToken` follow the cookie jar; assigning to them writes through the
 * token store at once (never a delayed write-back). Tokens are never part of the SSR payload, and httpOnly tokens read as null everywhere.
 */
export function useAuthState(): UseAuthStateReturn {
  const nuxtApp = useNuxtApp()
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
    get store() {
      return authStore(nuxtApp, manager.stateFields, store)
    },
    status: computed(() => store.status),
    data: toRef(store, 'data'),
    lastRefreshedAt: toRef(store, 'lastRefreshedAt'),
    loading: computed(() => store.loading),
    rawToken,
    token: computed(() => tokens.authorization(rawToken.value)?.value ?? null),
    rawRefreshToken,
    refreshToken: computed(() => rawRefreshToken.value),
    setToken: (token: string | null) => tokens.write({ token }),
    setRefreshToken: (token: string | null) => tokens.write({ refreshToken: token }),
    clearToken: () => tokens.write({ token: null }),
  }
}
