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
  const { store } = manager
  return {
    status: computed(() => store.status),
    // Vue's DeepReadonly type would not accept an app's SessionData with arrays where the incumbent's type did.
    data: readonly(toRef(store, 'data')) as UseAuthReturn['data'],
    lastRefreshedAt: readonly(toRef(store, 'lastRefreshedAt')),
    token: computed(() => manager.tokens.authorization(manager.tokens.views.token.value)?.value ?? null),
    refreshToken: computed(() => manager.tokens.views.refreshToken.value),
    error: computed(() => store.machine.error),
    signIn: manager.signIn as SignInFunction,
    signUp: manager.signUp,
    signOut: manager.signOut,
    getSession: manager.askSession,
    refresh: manager.refresh,
    getCsrfToken: manager.actions.getCsrfToken as (() => Promise<string>) | undefined,
    getProviders: manager.actions.getProviders as (() => Promise<Record<string, AuthjsProviderInfo>>) | undefined,
    hasRole: wanted => hasAnyRole(store.data, roles, wanted),
    allows: (ability, ...args) => abilityAllows(store.data, ability, args),
  }
}
