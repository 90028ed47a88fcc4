// Shared by the bench backend (base/server) and the runner: the signing secret (so the runner can mint an
// expired access token, as a browser holds after a while away) and the users.

/** HS256 secret of the bench backend. Bench-only: these servers listen on 127.0.0.1. */
export const BENCH_SECRET = 'nuxt-gatekeeper-bench-secret-not-for-production'

export const BENCH_PASSWORD = 'bench-password'

/** Enough distinct users for every scenario to start with a fresh session. */
export const BENCH_USERS = Array.from({ length: 200 }, (_, index) => ({
  id: `u${index + 1}`,
  username: `user${index + 1}`,
  name: `Bench User ${index + 1}`,
}))
