import { getRequestHeaders, getRequestProtocol, type H3Event } from 'h3'
import staticConfig from '#gatekeeper-config'
import { serverAuthConfig } from '#auth-server'
import { publicAuthUrl, resolveOrigin } from './origin'
import { authjsSettings } from './settings'

/**
 * The app's public origin for this request (see resolveOrigin): what the handler gives Auth.js, and so what its
 * cookie names follow (`__Secure-` on https). `getToken` reads the cookie by the same decision.
 */
export function requestOrigin(event: H3Event) {
  return resolveOrigin({
    authUrl: publicAuthUrl(staticConfig.originEnvKey) ?? serverAuthConfig().configuredBaseURL,
    trustHost: authjsSettings(event).trustHost,
    headers: getRequestHeaders(event),
    protocol: getRequestProtocol(event) === 'https' ? 'https' : 'http',
    dev: Boolean(import.meta.dev),
  })
}
