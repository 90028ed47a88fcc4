// '#gatekeeper-config' for the unit tests: the parts of a generated config that resolveAuthConfig reads, for an app
// built with `auth.baseURL: '/api/authjs'` (as the playground's Auth.js mode is).
export default {
  baseURL: '/api/authjs',
  originEnvKey: 'AUTH_ORIGIN',
  token: null,
  refreshToken: null,
  pages: { login: '/login' },
}
