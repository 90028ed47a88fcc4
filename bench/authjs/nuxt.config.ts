// The bench app with an Auth.js provider instead of the local one: the same pages and backend (bench/base), a
// login page that signs in through a credentials provider, and the `auth` options both modules share for it.
// Auth.js is served under /api/authjs: the base layer's backend routes hold /api/auth. Built for client bytes only
// (bench/lib/variants.mjs: AUTHJS): the SSR and browser scenarios are written for token cookies.
export default defineNuxtConfig({
  extends: ['../base'],
  auth: {
    baseURL: '/api/authjs',
    globalAppMiddleware: true,
    provider: { type: 'authjs' },
  },
})
