// The incumbent's authjs provider (next-auth v4), its handler in server/api/authjs/[...].ts as its docs write it (under /api/authjs: the backend holds /api/auth).
export default defineNuxtConfig({
  extends: ['../../authjs'],
  modules: ['@sidebase/nuxt-auth'],
})
