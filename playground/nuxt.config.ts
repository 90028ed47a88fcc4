import { fileURLToPath } from 'node:url'
import type { ModuleOptions } from '../src/module'

const authjsAuth: ModuleOptions = {
  baseURL: '/api/authjs',
  // server/auth.config.ts puts id, name, email and roles at the top of the session, as the local backend does.
  authorization: { roles: '/roles' },
  globalAppMiddleware: true,
  provider: { type: 'authjs', pages: { login: '/login' } },
}

const localAuth: ModuleOptions = {
  baseURL: '/api/auth',
  // The session endpoint answers { id, name, email, roles }.
  authorization: { roles: '/roles' },
  globalAppMiddleware: true,
  provider: {
    type: 'local',
    endpoints: {
      signIn: { path: '/login', method: 'post' },
      signOut: { path: '/logout', method: 'post' },
      signUp: { path: '/register', method: 'post' },
      getSession: { path: '/session', method: 'get' },
    },
    // `PLAYGROUND_PROVIDER=httponly`: both cookies httpOnly, the server refreshes for the browser (BFF).
    // (`PLAYGROUND_PROVIDER=sessions`: auth.sessions below keeps the tokens on the server altogether.)
    token: { signInResponseTokenPointer: '/token', type: 'Bearer', cookieName: 'auth.token', maxAgeInSeconds: 1800, httpOnlyCookieAttribute: process.env.PLAYGROUND_PROVIDER === 'httponly' },
    session: { dataResponsePointer: '/' },
    pages: { login: '/login' },
    // sidebase 1.x shape; `PLAYGROUND_PROVIDER=local npm run dev` runs the plain local provider instead.
    refresh: {
      isEnabled: process.env.PLAYGROUND_PROVIDER !== 'local',
      endpoint: { path: '/refresh', method: 'post' },
      refreshOnlyToken: false,
      token: {
        signInResponseRefreshTokenPointer: '/refreshToken',
        refreshRequestTokenPointer: '/refreshToken',
        cookieName: 'auth.refresh-token',
        maxAgeInSeconds: 604800,
        httpOnlyCookieAttribute: process.env.PLAYGROUND_PROVIDER === 'httponly',
      },
    },
  },
}

// `PLAYGROUND_PROVIDER=sessions`: session mode. The tokens stay on the server (memory; Redis when REDIS_URL is
// set), the browser holds one session cookie, and /sessions lists the user's devices.
const sessionsAuth: ModuleOptions = {
  ...localAuth,
  sessions: { storage: process.env.REDIS_URL ? 'redis' : 'memory' },
}

export default defineNuxtConfig({
  // Absolute, so the test fixtures that extend this app as a layer resolve the same module.
  modules: [fileURLToPath(new URL('../src/module', import.meta.url))],
  // Nuxt DevTools with the module's Auth tab (docs/guide/devtools.md); PLAYGROUND_DEVTOOLS=false turns it off.
  devtools: { enabled: process.env.PLAYGROUND_DEVTOOLS !== 'false' },
  app: {
    head: {
      title: 'nuxt-gatekeeper playground',
      htmlAttrs: { lang: 'en' },
      meta: [{ name: 'viewport', content: 'width=device-width, initial-scale=1' }],
    },
  },
  css: [fileURLToPath(new URL('./app/assets/main.css', import.meta.url))],
  runtimeConfig: {
    // HS256 signing secret, set with NUXT_JWT_SECRET. Empty means the dev-only default in
    // server/utils/auth.ts, which logs a warning when used by a production build.
    jwtSecret: '',
    // Access-token lifetime in seconds (env NUXT_ACCESS_TOKEN_TTL). Short with refresh, so refreshes are
    // visible; the plain local provider has no way to renew, so it gets the cookie's 30 minutes.
    accessTokenTtl: process.env.PLAYGROUND_PROVIDER === 'local' ? 1800 : 60,
    // How far the backend's clock is from the app server's, in seconds (env NUXT_BACKEND_CLOCK_SKEW_SECONDS; -600:
    // ten minutes behind). Tokens state their times in it; the module judges expiry by the issuer's clock.
    backendClockSkewSeconds: 0,
    // Seconds in which a just-spent refresh token is accepted once more (env NUXT_REFRESH_REUSE_GRACE_SECONDS).
    // Off: the playground shows strict reuse detection. See the refresh guide, "Tabs, reloads and clocks".
    refreshReuseGraceSeconds: 0,
    // Users whose email matches get the `admin` role (env NUXT_ADMIN_EMAIL_PATTERN): admin@example.com,
    // admin+anything@example.com.
    adminEmailPattern: '^admin(\\+[^@]*)?@example\\.com$',
    // Wrong passwords an email may have within loginLockoutSeconds before its sign-ins answer 429 with Retry-After
    // until the window ends (env NUXT_LOGIN_FAILURES_ALLOWED, NUXT_LOGIN_LOCKOUT_SECONDS).
    loginFailuresAllowed: 5,
    loginLockoutSeconds: 60,
    public: {
      /** Which provider the playground runs (env PLAYGROUND_PROVIDER): 'refresh' (default), 'local', 'httponly' (refresh, httpOnly cookies), 'sessions' (refresh, session mode) or 'authjs'. */
      playgroundProvider: process.env.PLAYGROUND_PROVIDER || 'refresh',
    },
  },
  // A convenience over a whole API tree: each route under it checks again (requireServerSession).
  routeRules: {
    '/api/admin/**': { auth: { roles: ['admin'] } },
  },
  compatibilityDate: '2025-07-15',
  nitro: {
    storage: {
      // Registered users, one JSON file per key. Relative to the server's working directory; created on first write.
      'users': { driver: 'fs', base: './.data/users' },
      // Revoked token ids (sign-out). Memory is enough: entries are only useful until the token expires.
      'revoked': { driver: 'memory' },
      // Rotating refresh tokens (by hash) and their families: on disk, so a dev-server restart keeps sessions.
      'refresh-tokens': { driver: 'fs', base: './.data/refresh-tokens' },
      'refresh-families': { driver: 'fs', base: './.data/refresh-families' },
      // The posts of the "edit only your own post" example (server/api/posts).
      'posts': { driver: 'memory' },
    },
  },
  // PLAYGROUND_PROVIDER=authjs: Auth.js (server/auth.config.ts) at /api/authjs, beside the local backend.
  auth: process.env.PLAYGROUND_PROVIDER === 'authjs' ? authjsAuth : process.env.PLAYGROUND_PROVIDER === 'sessions' ? sessionsAuth : localAuth,
})
