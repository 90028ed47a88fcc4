// Session mode: the refresh variant (its pages and API route) with the tokens kept on the server (memory here;
// the Redis variant is this build with NUXT_AUTH_SESSIONS_STORAGE=redis), the browser holding one session cookie.
export default defineNuxtConfig({
  extends: ['../gatekeeper-refresh'],
  auth: { sessions: { storage: 'memory' } },
})
