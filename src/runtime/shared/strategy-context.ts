import { AuthError, type StrategyContext } from '../core'
import type { PublicAuthConfig } from '../core/config'
import { endpointURL, requestEndpoint, type RequestDeps } from './request'
import type { TokenStore } from './token-store'

export interface StrategyContextDeps extends Pick<RequestDeps, 'callHook' | 'incomingHeaders' | 'onSetCookie' | 'forwarded'> {
  config: PublicAuthConfig
  tokens: TokenStore
}

/**
 * What a provider's strategy works with, the same in the browser, during SSR and in the relay routes: the
 * provider's options, the token store of that side, and one way to call the backend.
 */
export function createStrategyContext({ config, tokens, ...requestDeps }: StrategyContextDeps): StrategyContext<unknown> {
  return {
    options: config.provider,
    token: () => tokens.token(),
    refreshToken: () => tokens.refreshToken(),
    error: (code, message, extra) => new AuthError(code, message, extra),
    url: path => endpointURL(config.baseURL, path),
    request: (endpoint, name, init) => requestEndpoint({ baseURL: config.baseURL, timeout: config.requestTimeout, tokens, ...requestDeps }, endpoint, name, init),
  }
}
