import { createPinia } from 'pinia'
import { reactive } from 'vue'
import { describe, expect, it } from 'vitest'
import { createAuthState, initialAuthState, type AuthStateFields } from '../../src/runtime/app/state'
import { authPiniaStore } from '../../src/runtime/app/store'

// In an app with @pinia/nuxt, useAuthState().store is this store: Pinia's, over the module's own state object.
describe('the Pinia store in apps with @pinia/nuxt', () => {
  function app() {
    const pinia = createPinia()
    const fields = reactive(initialAuthState()) as AuthStateFields
    return { nuxtApp: { $pinia: pinia } as never, pinia, fields, state: createAuthState(fields) }
  }

  it('adopts the module\'s state object: a change on either side is the other\'s', () => {
    const { nuxtApp, pinia, fields, state } = app()
    const store = authPiniaStore(nuxtApp, fields)
    state.dispatch({ type: 'SIGNED_IN' })
    state.data = { id: 1 }
    expect(store.status).toBe('authenticated')
    expect(store.data).toEqual({ id: 1 })
    store.dispatch({ type: 'SIGNED_OUT' })
    expect(state.status).toBe('unauthenticated')
    expect(state.machine.epoch).toBe(2)
    expect(pinia.state.value.gatekeeper).toStrictEqual(fields)
  })

  it('is one store per app, and its $reset resets the module\'s state', () => {
    const { nuxtApp, fields, state } = app()
    expect(authPiniaStore(nuxtApp, fields)).toBe(authPiniaStore(nuxtApp, fields))
    state.dispatch({ type: 'SIGNED_IN' })
    authPiniaStore(nuxtApp, fields).$reset()
    expect(state.status).toBe('loading')
    expect(state.data).toBeUndefined()
  })
})
