import { defineNitroPlugin, useRuntimeConfig } from 'nitropack/runtime'
import staticConfig from '#gatekeeper-config'
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
  nitroApp.hooks.hook('request', (event) => {
    const config = useRuntimeConfig(event).public
    config.auth = { ...(config.auth as object | undefined), baseURL }
  })
})
