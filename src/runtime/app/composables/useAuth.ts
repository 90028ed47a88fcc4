import { computed, readonly, toRef } from 'vue'
import { useNuxtApp } from '#imports'
import roles from '#gatekeeper-roles'
import { abilityAllows, hasAnyRole } from '../../core/ability'
import type { AuthManager } from '../manager'
import { lazyFields } from './lazy-fields'
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
  // Each ref is made when first read: a component reads two or three of them, and making all six, a readonly proxy
  // among them, was a share of every render.
  return lazyFields<UseAuthReturn>({
    signIn: manager.signIn as SignInFunction,
    signUp: manager.signUp,
    signOut: manager.signOut,
    getSession: manager.askSession,
    refresh: manager.refresh,
    hasRole: wanted => hasAnyRole(store.data, roles, wanted),
    allows: (ability, ...args) => abilityAllows(store.data, ability, args),
  }, {
    status: () => computed(() => store.status),
    // Vue's DeepReadonly type would not accept an app's SessionData with arrays where the incumbent's type did.
    data: () => readonly(toRef(store, 'data')) as UseAuthReturn['data'],
    lastRefreshedAt: () => readonly(toRef(store, 'lastRefreshedAt')),
    token: () => computed(() => tokens.authorization(tokens.views().token.value)?.value ?? null),
    refreshToken: () => computed(() => tokens.views().refreshToken.value),
    error: () => computed(() => store.machine.error),
    // The provider's actions are bound when first asked for (see the manager).
    getCsrfToken: () => manager.actions().getCsrfToken as (() => Promise<string>) | undefined,
    getProviders: () => manager.actions().getProviders as (() => Promise<Record<string, AuthjsProviderInfo>>) | undefined,
  })
}
