/** Signs the demo's tokens when `NUXT_JWT_SECRET` is unset. Anyone reading this repo knows it: dev only. */
export const DEV_JWT_SECRET = 'nuxt-gatekeeper-playground-dev-secret-do-not-use-in-production'
