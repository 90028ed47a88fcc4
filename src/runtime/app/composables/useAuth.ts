import { computed, readonly, toRef } from 'vue'
import { useNuxtApp } from '#imports'
import roles from '#gatekeeper-roles'
import { abilityAllows, hasAnyRole } from '../../core/ability'
import type { AuthManager } from '../manager'
import type { AuthjsProviderInfo, SignInFunction, UseAuthReturn } from '../../types'

export function useAuthManager(): AuthManager {
  return useNuxtApp().$gatekeeper as AuthManager
}

/**
 * The auth state and actions. Same names as @sidebase/nuxt-auth's `useAuth()`:
 * `status` never flips to `loading` while an authenticated session is re-checked.
 */
export function useAuth(): UseAuthReturn {
  const manager = useAuthManager()
  const { store, tokens } = manager
  // Each ref is made when first read (own getters, so a spread or `toRefs` still sees every field): a component
  // reads two or three of them, and making all six, a readonly proxy among them, was a share of every render.
  let status: UseAuthReturn['status'] | undefined
  let data: UseAuthReturn['data'] | undefined
  let lastRefreshedAt: UseAuthReturn['lastRefreshedAt'] | undefined
  let token: UseAuthReturn['token'] | undefined
  let refreshToken: UseAuthReturn['refreshToken'] | undefined
  let error: UseAuthReturn['error'] | undefined
  return {
    get status() {
      return status ??= computed(() => store.status)
    },
    // Vue's DeepReadonly type would not accept an app's SessionData with arrays where the incumbent's type did.
    get data() {
      return data ??= readonly(toRef(store, 'data')) as UseAuthReturn['data']
    },
    get lastRefreshedAt() {
      return lastRefreshedAt ??= readonly(toRef(store, 'lastRefreshedAt'))
    },
    get token() {
      return token ??= computed(() => tokens.authorization(tokens.views().token.value)?.value ?? null)
    },
    get refreshToken() {
      return refreshToken ??= computed(() => tokens.views().refreshToken.value)
    },
    get error() {
      return error ??= computed(() => store.machine.error)
    },
    signIn: manager.signIn as SignInFunction,
    signUp: manager.signUp,
    signOut: manager.signOut,
    getSession: manager.askSession,
    refresh: manager.refresh,
    // The provider's actions are bound when first asked for (see the manager).
    get getCsrfToken() {
      return manager.actions().getCsrfToken as (() => Promise<string>) | undefined
    },
    get getProviders() {
      return manager.actions().getProviders as (() => Promise<Record<string, AuthjsProviderInfo>>) | undefined
    },
    hasRole: wanted => hasAnyRole(store.data, roles, wanted),
    allows: (ability, ...args) => abilityAllows(store.data, ability, args),
  }
}
