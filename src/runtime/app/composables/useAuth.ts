import { readonly } from 'vue'
import { useNuxtApp } from '#imports'
import roles from '#gatekeeper-roles'
import { abilityAllows, hasAnyRole } from '../../core/ability'
import type { AuthManager } from '../manager'
import { liveRef } from './live-ref'
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
  // The provider's actions are bound when first asked for (see the manager): once per app, not per call.
  const actions = manager.actions()
  // A plain object with every key its own: spreading it, `toRefs` and destructuring all see every field.
  return {
    status: liveRef(() => store.status),
    // Read-only down to its arrays, as the incumbent's `readonly(data)`. (Vue's DeepReadonly type would not accept
    // an app's SessionData with arrays where the incumbent's type did, so the type stays Ref.)
    data: liveRef(() => {
      const data = store.data
      return data !== null && typeof data === 'object' ? readonly(data) : data
    }) as UseAuthReturn['data'],
    lastRefreshedAt: liveRef(() => store.lastRefreshedAt),
    token: liveRef(() => tokens.authorization(tokens.views().token.value)?.value ?? null),
    refreshToken: liveRef(() => tokens.views().refreshToken.value),
    error: liveRef(() => store.machine.error),
    signIn: manager.signIn as SignInFunction,
    signUp: manager.signUp,
    signOut: manager.signOut,
    getSession: manager.askSession,
    refresh: manager.refresh,
    getCsrfToken: actions.getCsrfToken as (() => Promise<string>) | undefined,
    getProviders: actions.getProviders as (() => Promise<Record<string, AuthjsProviderInfo>>) | undefined,
    hasRole: wanted => hasAnyRole(store.data, roles, wanted),
    allows: (ability, ...args) => abilityAllows(store.data, ability, args),
  }
}
