// Session mode: the refresh variant (its pages and API route) with the tokens kept on the server (memory here;
// the Redis variant is this build with NUXT_AUTH_SESSIONS_STORAGE=redis), the browser holding one session cookie.
export default defineNuxtConfig({
  extends: ['../gatekeeper-refresh'],
  auth: {
    sessions: { storage: 'memory' },
    // The visitor signs in through the module's relay, which calls the backend on this same server. Under callgrind
    // (bench/lib/instructions.mjs) that first call, compiled as it runs, outlasted the default 10 s on a busy machine
    // (a 504 that ended the run); the timer costs a request the same whatever its length.
    requestTimeout: 120_000,
  },
})
