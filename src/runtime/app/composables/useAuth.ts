import { readonly } from 'vue'
import { useNuxtApp } from '#imports'
import roles from '#gatekeeper-roles'
import { abilityAllows, hasAnyRole } from '../../core/ability'
import { AuthError } from '../../core/errors'
import type { AuthManager } from '../manager'
import { liveRef } from './live-ref'
import type { AuthjsProviderInfo, SignInFunction, UseAuthReturn } from '../../types'

export function useAuthManager(): AuthManager {
  const manager = useNuxtApp().$gatekeeper as AuthManager | undefined
  // A plugin that runs before the module's (enforce: 'pre', or a module's listed after nuxt-gatekeeper).
  if (!manager) throw new Error('[nuxt-gatekeeper] useAuth()/useAuthState() called before the module\'s plugin ran: give the calling plugin `dependsOn: [\'gatekeeper\']`')
  return manager
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
    signUp: manager.signUp as UseAuthReturn['signUp'],
    signOut: manager.signOut,
    getSession: manager.askSession,
    refresh: manager.refresh,
    getCsrfToken: (actions.getCsrfToken ?? unsupported('getCsrfToken')) as () => Promise<string>,
    getProviders: (actions.getProviders ?? unsupported('getProviders')) as () => Promise<Record<string, AuthjsProviderInfo>>,
    hasRole: wanted => hasAnyRole(store.data, roles, wanted),
    allows: (ability, ...args) => abilityAllows(store.data, ability, args),
  }
}

/** An action of another provider (Auth.js's getCsrfToken, getProviders): typed on every `useAuth()`, as the incumbent's Auth.js app expects, and a typed refusal where it does not exist. */
function unsupported(action: string) {
  return () => Promise.reject(new AuthError('NOT_SUPPORTED', `${action}() needs the authjs provider`))
}
