import { hasProtocol, joinURL, parseURL, withLeadingSlash } from 'ufo'
import staticConfig from '#gatekeeper-config'
import type { PublicAuthConfig } from '../core/config'
import { envVariable } from './env'

/**
 * The whole public config: the build-time part (generated from nuxt.config, see module.ts) under whatever
 * `runtimeConfig.public.auth` holds (keys an app put there itself; a base URL the server changed at run time,
 * see server/plugins/public-config.ts). Not in runtimeConfig otherwise: Nitro clones and env-scans runtimeConfig
 * on every request, and every page carries its public part.
 */
export function resolveAuthConfig(runtimePublic: unknown, appBaseURL = '/'): PublicAuthConfig {
  const config = { ...staticConfig, ...(runtimePublic as Partial<PublicAuthConfig> | undefined) } as PublicAuthConfig
  if (!import.meta.client) {
    // NUXT_PUBLIC_AUTH_BASE_URL (or NITRO_…), by Nitro's rule, as if baseURL were in runtimeConfig.public.auth; empty
    // (a placeholder in a compose file) is not set. Trimmed, as the build trims AUTH_ORIGIN (a CRLF .env file).
    const env = globalThis.process?.env ?? {}
    const fromEnv = envVariable('PUBLIC_AUTH_BASE_URL', env)?.trim() || undefined
    // The incumbent's `originEnvKey` (AUTH_ORIGIN), read by the server at run time, unless NUXT_PUBLIC_AUTH_BASE_URL
    // or the app's runtimeConfig sets the base URL: those win when set, also to the build's own value.
    // (Nitro puts an empty NUXT_PUBLIC_AUTH_BASE_URL into the app's runtimeConfig key as it is: not set either.)
    const fromApp = (runtimePublic as Partial<PublicAuthConfig> | undefined)?.baseURL || undefined
    config.baseURL = fromEnv ?? fromApp ?? (env[config.originEnvKey]?.trim() || staticConfig.baseURL)
  }
  // A login page served under baseURL follows the base URL the app runs with, not the one it was built with; it is
  // reached by a page load: on the configured origin (where the sign-in flow's redirects and cookies belong), and
  // as a path under the app's own base (app.baseURL).
  const serverLoginBase = hasProtocol(config.baseURL) ? config.baseURL : joinURL(appBaseURL, config.baseURL)
  const login = config.pages.serverLoginPath ? joinURL(serverLoginBase, config.pages.serverLoginPath) : config.pages.login
  // Routes of this app are asked on the origin the visitor used (www or not, a preview host) and, on the server,
  // in-process: never through the public address, which the server may not reach. The full URL stays known.
  if (config.endpointsInApp && hasProtocol(config.baseURL)) {
    config.configuredBaseURL = config.baseURL
    config.baseURL = withLeadingSlash(parseURL(config.baseURL).pathname)
  }
  // Nitro serialises null runtime-config values as "": restore the nulls the core relies on.
  return { ...config, token: config.token || null, refreshToken: config.refreshToken || null, pages: { ...config.pages, login: login || null } }
}
