import type { AuthConfigIssue } from './errors'

let devSecret: string | undefined

/**
 * Auth.js's secret: the config's own `secret`, else `runtimeConfig.auth.secret` (`NUXT_AUTH_SECRET`), else
 * `AUTH_SECRET`. Missing in production is an error; in development a random per-process secret (sessions end
 * when the dev server restarts) and a warning.
 */
export function resolveSecret(candidates: Array<string | string[] | undefined>, dev: boolean): { secret: string | string[], generated?: boolean } | { issue: AuthConfigIssue } {
  const secret = candidates.find(candidate => (Array.isArray(candidate) ? candidate.length > 0 : Boolean(candidate)))
  if (secret) return { secret }
  if (!dev) {
    return { issue: { env: 'AUTH_SECRET', problem: 'is not set, and the Auth.js configuration has no `secret`', fix: 'set AUTH_SECRET (or NUXT_AUTH_SECRET) to a long random string, e.g. the output of `openssl rand -base64 33`' } }
  }
  if (!devSecret) {
    devSecret = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(32)), byte => byte.toString(16).padStart(2, '0')).join('')
    console.warn('[nuxt-gatekeeper] AUTH_SECRET is not set: using a random secret for this dev server; sessions end when it restarts. Set AUTH_SECRET to keep them.')
  }
  return { secret: devSecret, generated: true }
}
