import { benchAuthOptions } from '../../base/auth-options'

export default defineNuxtConfig({
  extends: ['../../base'],
  modules: ['nuxt-gatekeeper'],
  auth: benchAuthOptions({ refresh: true }),
})
