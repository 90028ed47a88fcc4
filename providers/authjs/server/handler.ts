import { Auth, type AuthConfig } from '@auth/core'
import { createError, defineEventHandler, sendWebResponse, type H3Event } from 'h3'
import { joinURL } from 'ufo'
import { useRuntimeConfig } from '#imports'
import staticConfig from '#gatekeeper-config'
import { readBodyWithin } from '#auth-server'
import { toWebRequest } from './bridge'
import { describeIssue } from './errors'
import { rememberHandlerSecret } from './handler-secret'
import { requestOrigin } from './request-origin'
import { resolveSecret } from './secret'
import { authjsSettings } from './settings'
import { startDefaultSignIn } from './start-sign-in'

/** The config Auth.js gets for this request (Auth.js mutates its config, so each call gets its own copy). */
export function configFor(event: H3Event, config: AuthConfig) {
  const settings = authjsSettings(event)
  const dev = Boolean(import.meta.dev)
  const origin = requestOrigin(event)
  const secret = resolveSecret([config.secret, settings.secret, process.env.AUTH_SECRET], dev)
  for (const result of [origin, secret]) {
    if ('issue' in result) {
      console.error(describeIssue(result.issue))
      throw createError({ statusCode: 500, statusMessage: `Auth.js is not configured: set ${result.issue.env}` })
    }
  }
  return {
    origin: (origin as { origin: string }).origin,
    // The origin was decided above (AUTH_URL or trustHost); Auth.js's own host check would only repeat it.
    // The path as the request shows it (the bridge passes the URL as sent): under the app's base (app.baseURL).
    config: { ...config, secret: (secret as { secret: string | string[] }).secret, basePath: joinURL(useRuntimeConfig(event).app.baseURL || '/', settings.basePath), trustHost: true } satisfies AuthConfig,
  }
}

/**
 * The Auth.js endpoints (`{baseURL}/signin`, `/callback/…`, `/session`, `/csrf`, `/signout`, …) as an h3
 * handler: `export default NuxtAuthHandler(config)` in `server/api/auth/[...].ts`, as with the incumbent.
 */
export function NuxtAuthHandler(config: AuthConfig) {
  rememberHandlerSecret(config.secret)
  return defineEventHandler(async (event) => {
    const resolved = configFor(event, config)
    const request = await toWebRequest(event, resolved.origin, readBodyWithin)
    const defaultProvider = staticConfig.provider.defaultProvider
    const started = typeof defaultProvider === 'string' && await startDefaultSignIn(request, defaultProvider, resolved.config)
    return sendWebResponse(event, started || await Auth(request, resolved.config))
  })
}
