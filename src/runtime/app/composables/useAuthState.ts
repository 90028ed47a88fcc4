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
  // Refs made when first read, as in useAuth(): most callers want one or two of them.
  let status: UseAuthStateReturn['status'] | undefined
  let data: UseAuthStateReturn['data'] | undefined
  let lastRefreshedAt: UseAuthStateReturn['lastRefreshedAt'] | undefined
  let loading: UseAuthStateReturn['loading'] | undefined
  let rawToken: UseAuthStateReturn['rawToken'] | undefined
  let token: UseAuthStateReturn['token'] | undefined
  let rawRefreshToken: UseAuthStateReturn['rawRefreshToken'] | undefined
  let refreshToken: UseAuthStateReturn['refreshToken'] | undefined
  const raw = {
    get token() {
      return rawToken ??= computed<string | null>({
        get: () => tokens.views().token.value,
        set: value => tokens.write({ token: value }),
      })
    },
    get refreshToken() {
      return rawRefreshToken ??= computed<string | null>({
        get: () => tokens.views().refreshToken.value,
        set: value => tokens.write({ refreshToken: value }),
      })
    },
  }
  return {
    get store() {
      return authStore(nuxtApp, manager.stateFields, store)
    },
    get status() {
      return status ??= computed(() => store.status)
    },
    get data() {
      return data ??= toRef(store, 'data')
    },
    get lastRefreshedAt() {
      return lastRefreshedAt ??= toRef(store, 'lastRefreshedAt')
    },
    get loading() {
      return loading ??= computed(() => store.loading)
    },
    get rawToken() {
      return raw.token
    },
    get token() {
      return token ??= computed(() => tokens.authorization(raw.token.value)?.value ?? null)
    },
    get rawRefreshToken() {
      return raw.refreshToken
    },
    get refreshToken() {
      return refreshToken ??= computed(() => raw.refreshToken.value)
    },
    setToken: (value: string | null) => tokens.write({ token: value }),
    setRefreshToken: (value: string | null) => tokens.write({ refreshToken: value }),
    clearToken: () => tokens.write({ token: null }),
  }
}
