// httpOnly mode: the refresh variant with both token cookies httpOnly (page scripts never see a token; the
// browser's checks and refreshes go through the module's /api/_auth routes). The browser scenarios, which put
// an expired token into the jar through useAuthState().setToken, skip it.
export default defineNuxtConfig({
  extends: ['../gatekeeper-refresh'],
  auth: {
    provider: {
      type: 'local',
      token: { httpOnlyCookieAttribute: true },
      refresh: { isEnabled: true, token: { httpOnlyCookieAttribute: true } },
    },
  },
})
