import { benchAuthOptions } from '../../base/auth-options'

// The gatekeeper-refresh variant with the plain local provider (one token, no refresh).
export default defineNuxtConfig({
  extends: ['../gatekeeper-refresh'],
  auth: benchAuthOptions({ refresh: false }),
})
