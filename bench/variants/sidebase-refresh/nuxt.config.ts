import { benchAuthOptions } from '../../base/auth-options'

export default defineNuxtConfig({
  extends: ['../../base'],
  modules: ['@sidebase/nuxt-auth'],
  auth: benchAuthOptions({ refresh: true }),
})
