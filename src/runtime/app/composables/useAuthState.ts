import { computed, toRef } from 'vue'
import { useNuxtApp } from '#imports'
import type { UseAuthStateReturn } from '../../types'
import { authStore } from '#gatekeeper-features'
import { lazyFields } from './lazy-fields'
import { liveRef } from './live-ref'
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
  const rawToken = () => computed<string | null>({
    get: () => tokens.views().token.value,
    set: value => tokens.write({ token: value }),
  })
  const rawRefreshToken = () => computed<string | null>({
    get: () => tokens.views().refreshToken.value,
    set: value => tokens.write({ refreshToken: value }),
  })
  // Fields made when first read: most callers want one or two of them, and `store` (a Pinia store in apps with
  // Pinia) must not be made for a caller that never asks for it.
  const state: UseAuthStateReturn = lazyFields<UseAuthStateReturn>({
    setToken: (value: string | null) => tokens.write({ token: value }),
    setRefreshToken: (value: string | null) => tokens.write({ refreshToken: value }),
    clearToken: () => tokens.write({ token: null }),
  }, {
    store: () => authStore(nuxtApp, manager.stateFields, store),
    status: () => liveRef(() => store.status),
    data: () => toRef(store, 'data'),
    lastRefreshedAt: () => toRef(store, 'lastRefreshedAt'),
    loading: () => liveRef(() => store.loading),
    rawToken,
    token: () => liveRef(() => tokens.authorization(state.rawToken.value)?.value ?? null),
    rawRefreshToken,
    refreshToken: () => liveRef(() => state.rawRefreshToken.value),
  })
  return state
}
