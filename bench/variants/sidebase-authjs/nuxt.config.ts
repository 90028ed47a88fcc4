// The incumbent's authjs provider (next-auth v4), its handler in server/api/auth/[...].ts as its docs write it.
export default defineNuxtConfig({
  extends: ['../../authjs'],
  modules: ['@sidebase/nuxt-auth'],
})
