export default defineNuxtConfig({
  modules: ['../src/module'],
  devtools: { enabled: false },
  compatibilityDate: '2025-07-15',
  auth: {
    baseURL: '/api/auth',
    globalAppMiddleware: true,
    provider: {
      type: 'local',
      endpoints: {
        signIn: { path: '/login', method: 'post' },
        signOut: { path: '/logout', method: 'post' },
        signUp: { path: '/register', method: 'post' },
        getSession: { path: '/session', method: 'get' },
      },
      token: { signInResponseTokenPointer: '/token', type: 'Bearer', cookieName: 'auth.token', maxAgeInSeconds: 1800 },
      session: { dataResponsePointer: '/' },
      pages: { login: '/login' },
    },
  },
})
