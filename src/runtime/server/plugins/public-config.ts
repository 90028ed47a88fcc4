import { defineNitroPlugin, useRuntimeConfig } from 'nitropack/runtime'
import staticConfig from '#gatekeeper-config'
import { baseURLProblem, withoutUserInfo } from '../../core/protocol'
import { serverAuthConfig } from '../config'

/**
 * A base URL the server runs with other than the build's (NUXT_PUBLIC_AUTH_BASE_URL, the incumbent's AUTH_ORIGIN)
 * reaches the browser in every page's runtime config: server-rendered pages and SPA shells alike. Decided once per
 * process; when the build's base URL stands (the usual case) nothing is done per request.
 */
export default defineNitroPlugin((nitroApp) => {
  // The full URL when only its path is asked (a provider served by this app): the browser needs its origin too.
  const { baseURL: path, configuredBaseURL } = serverAuthConfig()
  const baseURL = configuredBaseURL ?? path
  if (baseURL === staticConfig.baseURL) return
  // The build checked its own base URL; one set at run time is checked here, once: with it every auth request would
  // fail, so the server does not start (as for a bad option at build time).
  const problem = baseURLProblem(baseURL)
  if (problem) throw new Error(`[nuxt-gatekeeper] The base URL this server runs with, ${JSON.stringify(withoutUserInfo(baseURL))}, ${problem}. It comes from NUXT_PUBLIC_AUTH_BASE_URL, else the app's runtimeConfig.public.auth.baseURL, else ${staticConfig.originEnvKey}. Fix: set it to a path such as '/api/auth' or a full URL such as 'https://api.example.com/auth'`)
  nitroApp.hooks.hook('request', (event) => {
    const config = useRuntimeConfig(event).public
    config.auth = { ...(config.auth as object | undefined), baseURL }
  })
})
