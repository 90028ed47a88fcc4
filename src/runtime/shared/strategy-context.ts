import { AuthError, type StrategyContext } from '../core'
import type { PublicAuthConfig } from '../core/config'
import { endpointURL } from './endpoint-url'
import type { RequestDeps, requestEndpoint } from './request'
import type { TokenStore } from './token-store'

export interface StrategyContextDeps extends Pick<RequestDeps, 'callHook' | 'incomingHeaders' | 'onSetCookie' | 'forwarded' | 'renderMark'> {
  config: PublicAuthConfig
  tokens: TokenStore
  /**
   * The code that calls the backend (./request.ts). The server routes import it; the app loads it when first
   * needed, as a chunk of its own in the browser (app/backend-loader.ts, whose failure is a NETWORK AuthError).
   */
  loadRequest: () => Promise<typeof requestEndpoint> | typeof requestEndpoint
}

/**
 * What a provider's strategy works with, the same in the browser, during SSR and in the relay routes: the
 * provider's options, the token store of that side, and one way to call the backend.
 */
export function createStrategyContext({ config, tokens, loadRequest, ...requestDeps }: StrategyContextDeps): StrategyContext<unknown> {
  return {
    options: config.provider,
    token: () => tokens.token(),
    refreshToken: () => tokens.refreshToken(),
    error: (code, message, extra) => new AuthError(code, message, extra),
    url: path => endpointURL(config.baseURL, path),
    async request(endpoint, name, init) {
      const send = await loadRequest()
      return await send({ baseURL: config.baseURL, timeout: config.requestTimeout, tokens, ...requestDeps }, endpoint, name, init)
    },
  }
}
