import { createPinia, defineStore, setActivePinia, type Pinia } from 'pinia'
import { toRaw } from 'vue'
import type { NuxtApp } from 'nuxt/app'
import { statusOf, transition, type AuthEvent } from '../core'
import { initialAuthState, PAYLOAD_KEY, type AuthStateFields } from './state'

/**
 * The auth state as a Pinia store (id `gatekeeper`), for apps that want it in Pinia (devtools, plugins,
 * `storeToRefs`). Its state IS the module's state object (see state.ts), so both always agree. Only
 * `useAuthState().store` creates it, so an app that never asks for it neither runs nor downloads Pinia.
 */
export const useAuthStore = defineStore('gatekeeper', {
  state: initialAuthState,
  getters: {
    status: state => statusOf(state.machine),
    loading: state => state.machine.activity !== null,
  },
  actions: {
    dispatch(event: AuthEvent) {
      this.machine = transition(this.machine, event)
    },
  },
})

/**
 * The Pinia store over `fields`: the app's own Pinia (@pinia/nuxt) when it has one, else a Pinia installed now.
 * Pinia adopts a state it already holds under the store's id, so the state goes there first.
 */
export function authPiniaStore(nuxtApp: NuxtApp, fields: AuthStateFields) {
  let pinia = nuxtApp.$pinia as Pinia | undefined
  if (!pinia) {
    pinia = createPinia()
    nuxtApp.vueApp.use(pinia)
    nuxtApp.provide('pinia', pinia)
    // Server: no later request may see this one's Pinia as the active one.
    if (import.meta.server) nuxtApp.hooks.hookOnce('app:rendered', () => setActivePinia(undefined))
  }
  const held = pinia.state.value[PAYLOAD_KEY] as AuthStateFields | undefined
  if (!held || toRaw(held) !== toRaw(fields)) pinia.state.value[PAYLOAD_KEY] = fields
  return useAuthStore(pinia)
}
