import { benchAuthOptions } from '../../base/auth-options'

// The incumbent with the plain local provider (one token, no refresh), beside nuxt-gatekeeper local.
export default defineNuxtConfig({
  extends: ['../../base'],
  modules: ['@sidebase/nuxt-auth'],
  auth: benchAuthOptions({ refresh: false }),
})
