// One `auth` configuration in the sidebase 1.x shape, which nuxt-gatekeeper accepts unchanged: both modules
// run against the same backend with the same options. `refreshOnlyToken: false` because the backend rotates
// refresh tokens (sidebase's default, true, would keep a spent one).
export function benchAuthOptions({ refresh }: { refresh: boolean }) {
  return {
    baseURL: '/api/auth',
    globalAppMiddleware: true,
    provider: {
      type: 'local' as const,
      endpoints: {
        signIn: { path: '/login', method: 'post' as const },
        signOut: { path: '/logout', method: 'post' as const },
        getSession: { path: '/session', method: 'get' as const },
      },
      token: { signInResponseTokenPointer: '/token', type: 'Bearer', cookieName: 'auth.token', maxAgeInSeconds: 1800 },
      session: { dataResponsePointer: '/' },
      pages: { login: '/login' },
      refresh: {
        isEnabled: refresh,
        endpoint: { path: '/refresh', method: 'post' as const },
        refreshOnlyToken: false,
        token: {
          signInResponseRefreshTokenPointer: '/refreshToken',
          refreshRequestTokenPointer: '/refreshToken',
          cookieName: 'auth.refresh-token',
          maxAgeInSeconds: 604800,
        },
      },
    },
  }
}
