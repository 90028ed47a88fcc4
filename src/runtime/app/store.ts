import { defineStore, type Pinia } from 'pinia'
import { toRaw } from 'vue'
import type { NuxtApp } from 'nuxt/app'
import { loadingOf, statusOf, transition, type AuthEvent } from '../core'
import { initialAuthState, PAYLOAD_KEY, type AuthStateFields } from './state'

/**
 * The auth state as a Pinia store (id `gatekeeper`) in apps that use Pinia (@pinia/nuxt): devtools, plugins,
 * `storeToRefs`. Its state IS the module's state object (see state.ts), so both always agree. Created by
 * `useAuthState().store` when first asked for; apps without Pinia get the state itself there, and no Pinia.
 */
export const useAuthStore = defineStore('gatekeeper', {
  state: initialAuthState,
  getters: {
    status: state => statusOf(state.machine),
    loading: state => loadingOf(state.machine),
  },
  actions: {
    dispatch(event: AuthEvent) {
      this.machine = transition(toRaw(this.machine), event)
    },
  },
})

/** The Pinia store over `fields`, in the app's Pinia. Pinia adopts a state it already holds under the store's id. */
export function authPiniaStore(nuxtApp: NuxtApp, fields: AuthStateFields) {
  const pinia = nuxtApp.$pinia as Pinia
  const held = pinia.state.value[PAYLOAD_KEY] as AuthStateFields | undefined
  if (!held || toRaw(held) !== toRaw(fields)) pinia.state.value[PAYLOAD_KEY] = fields
  return useAuthStore(pinia)
}
