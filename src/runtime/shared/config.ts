import { joinURL } from 'ufo'
import staticConfig from '#gatekeeper-config'
import type { PublicAuthConfig } from '../core/config'

/**
 * The whole public config: the build-time part (generated from nuxt.config, see module.ts) under whatever
 * `runtimeConfig.public.auth` holds at run time (`baseURL` and its env var NUXT_PUBLIC_AUTH_BASE_URL, or keys
 * an app put there itself). Split so Nitro, which clones and env-scans runtimeConfig on every request, has
 * only a few keys to scan, and every page's payload carries only those few.
 */
export function resolveAuthConfig(runtimePublic: unknown): PublicAuthConfig {
  const config = { ...staticConfig, ...(runtimePublic as Partial<PublicAuthConfig> | undefined) } as PublicAuthConfig
  // The incumbent's `originEnvKey` (AUTH_ORIGIN), read by the server at run time, unless NUXT_PUBLIC_AUTH_BASE_URL
  // changed the base URL (that one wins). The app's server plugin passes the result on to the browser.
  if (!import.meta.client && config.baseURL === staticConfig.baseURL) {
    const fromEnv = globalThis.process?.env?.[config.originEnvKey]
    if (fromEnv) config.baseURL = fromEnv
  }
  // A login page served under baseURL follows the base URL the app runs with, not the one it was built with.
  const login = config.pages.serverLoginPath ? joinURL(config.baseURL, config.pages.serverLoginPath) : config.pages.login
  // Nitro serialises null runtime-config values as "": restore the nulls the core relies on.
  return { ...config, token: config.token || null, refreshToken: config.refreshToken || null, pages: { ...config.pages, login: login || null } }
}
