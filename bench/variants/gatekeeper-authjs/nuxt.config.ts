// nuxt-gatekeeper's authjs provider (Auth.js on @auth/core), its configuration in server/auth.config.ts.
export default defineNuxtConfig({
  extends: ['../../authjs'],
  modules: ['nuxt-gatekeeper'],
})
