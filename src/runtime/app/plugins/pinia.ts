import { createPinia, setActivePinia } from 'pinia'
import { toRaw } from 'vue'
import { defineNuxtPlugin } from '#imports'

/**
 * Pinia for apps that do not use @pinia/nuxt (with it, its own plugin of the same name provides the instance).
 * Not installing @pinia/nuxt for them keeps its runtime, which imports Nuxt's whole `#app` barrel (and with it
 * useAsyncData/useFetch), out of their client bundle. State travels in the payload under the same key.
 */
export default defineNuxtPlugin({
  name: 'pinia',
  setup(nuxtApp) {
    const pinia = createPinia()
    nuxtApp.vueApp.use(pinia)
    setActivePinia(pinia)
    if (import.meta.client && nuxtApp.payload.pinia) pinia.state.value = nuxtApp.payload.pinia as typeof pinia.state.value
    if (import.meta.server) {
      nuxtApp.hook('app:rendered', () => {
        nuxtApp.payload.pinia = toRaw(pinia.state.value)
        // Nothing of this request may linger as the active store after its render.
        setActivePinia(undefined)
      })
    }
    return { provide: { pinia } }
  },
})
