import type { AuthConfigIssue } from './errors'

/**
 * The app's public URL from the environment: `AUTH_URL` (Auth.js's own), `NUXT_AUTH_ORIGIN`, or the variable
 * `auth.originEnvKey` names (`AUTH_ORIGIN` by default: the incumbent's full base URL, whose origin is the app's).
 */
export function publicAuthUrl(originEnvKey: string): string | undefined {
  return process.env.AUTH_URL || process.env.NUXT_AUTH_ORIGIN || process.env[originEnvKey] || undefined
}

export interface OriginInput {
  /** `AUTH_URL` (or `NUXT_AUTH_ORIGIN`, or `AUTH_ORIGIN`, see publicAuthUrl): the app's public URL. Wins over everything. */
  authUrl?: string
  trustHost: boolean
  headers: { 'host'?: string, 'x-forwarded-host'?: string, 'x-forwarded-proto'?: string }
  /** The protocol the request reached this server with. */
  protocol: 'http' | 'https'
  dev: boolean
}

const first = (value: string | undefined) => value?.split(',')[0]?.trim() || undefined

/**
 * The app's public origin, which Auth.js puts into OAuth redirect URIs, redirects and cookie names. Auth.js
 * reads it from the Request URL only, so it must be right before Auth.js sees the request:
 *
 * | AUTH_URL | trustHost | origin |
 * |---|---|---|
 * | set | any | AUTH_URL's origin |
 * | unset | true | X-Forwarded-Proto :// X-Forwarded-Host (else the request's own protocol and Host) |
 * | unset | false, dev | the request's own protocol and Host |
 * | unset | false, production | none: an error naming AUTH_URL and trustHost |
 */
export function resolveOrigin(input: OriginInput): { origin: string } | { issue: AuthConfigIssue } {
  if (input.authUrl) {
    try {
      return { origin: new URL(input.authUrl).origin }
    }
    catch {
      return { issue: { env: 'AUTH_URL', problem: `is not a URL: ${JSON.stringify(input.authUrl)}`, fix: 'set it to the app\'s public URL, e.g. https://app.example.com' } }
    }
  }
  if (input.trustHost || input.dev) {
    const host = (input.trustHost ? first(input.headers['x-forwarded-host']) : undefined) ?? first(input.headers.host)
    const protocol = (input.trustHost ? first(input.headers['x-forwarded-proto']) : undefined) ?? input.protocol
    if (host && /^[\w.-]+(?::\d+)?$|^\[[\da-f:]+\](?::\d+)?$/i.test(host) && (protocol === 'http' || protocol === 'https')) return { origin: `${protocol}://${host}` }
    return { issue: { env: 'AUTH_URL', problem: `cannot be derived: the request's host ${JSON.stringify(host ?? '')} is not a host name`, fix: 'set AUTH_URL to the app\'s public URL' } }
  }
  return { issue: { env: 'AUTH_URL', problem: 'is not set, and auth.provider.trustHost is false, so the app\'s public origin is unknown', fix: 'set AUTH_URL to the app\'s public URL (e.g. https://app.example.com), or set auth.provider.trustHost: true (at run time NUXT_AUTH_PROVIDER_TRUST_HOST=true; @sidebase/nuxt-auth\'s NUXT_PUBLIC_AUTH_PROVIDER_TRUST_HOST is not read) behind a proxy that sets X-Forwarded-Host and X-Forwarded-Proto' } }
}
