import { computed, readonly, toRef } from 'vue'
import { useNuxtApp } from '#imports'
import type { AuthManager } from '../manager'
import type { AuthjsProviderInfo, GetSessionOptions, SignInFunction } from '../../types'

export function useAuthManager(): AuthManager {
  return useNuxtApp().$gatekeeper as AuthManager
}

/**
 * The auth state and actions. Same names as @sidebase/nuxt-auth's `useAuth()`:
 * `status` never flips to `loading` while an authenticated session is re-checked.
 */
export function useAuth() {
  const manager = useAuthManager()
  const { store } = manager
  return {
    /** `'loading' | 'authenticated' | 'unauthenticated'` */
    status: computed(() => store.status),
    /** `undefined`: not checked yet; `null`: nobody; else the session. */
    data: readonly(toRef(store, 'data')),
    lastRefreshedAt: readonly(toRef(store, 'lastRefreshedAt')),
    /** The formatted header value (`Bearer …`), or null (always null for httpOnly cookies, SSR included). */
    token: computed(() => manager.tokens.authorization(manager.tokens.views.token.value)?.value ?? null),
    /** The raw refresh token (refresh provider; null for httpOnly cookies). */
    refreshToken: computed(() => manager.tokens.views.refreshToken.value),
    /** Code of the last failure that reached no verdict (network, 5xx, …), or null. */
    error: computed(() => store.machine.error),
    /** Local: `signIn(credentials, options)`. Auth.js: `signIn(providerId?, options?, authorizationParams?)`. */
    signIn: manager.signIn as SignInFunction,
    signUp: manager.signUp,
    signOut: manager.signOut,
    /** Asks the backend for the session. `{ required: true }`: nobody signed in → the login page (or `callbackUrl`, or `onUnauthenticated()`). */
    getSession: (options?: GetSessionOptions) => (options?.required ? manager.requireSession(options) : manager.getSession(options)),
    /** Refreshes the tokens now (one request shared by every caller and tab) and resolves with the session; without a refresh token, asks for the session. */
    refresh: manager.refresh,
    /** Auth.js provider: the CSRF token for a form of your own. */
    getCsrfToken: manager.actions.getCsrfToken as (() => Promise<string>) | undefined,
    /** Auth.js provider: the configured sign-in providers by id. */
    getProviders: manager.actions.getProviders as (() => Promise<Record<string, AuthjsProviderInfo>>) | undefined,
  }
}
