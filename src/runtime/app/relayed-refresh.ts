import { RELAY_ROUTES, type ClientStrategy, type StrategyContext, type TokenResult } from '../core'
import { relay } from './relay-request'

/**
 * The refresh through this app's server: the route spends the refresh token (de-duplicated with SSR renders
 * of the same browser) and sets the rotated cookies on its response. Sent `keepalive`, so when the page
 * unloads mid-refresh (a reload), the browser still receives the answer and stores the successor, which
 * would otherwise be lost and its predecessor presented again (reuse, the family revoked).
 */
async function relayedRefresh(ctx: StrategyContext<unknown>): Promise<TokenResult> {
  await relay(ctx, RELAY_ROUTES.refresh, 'refresh', { body: {}, keepalive: true })
  return { stored: true }
}

/** The provider's own strategy in the browser, refreshing through the relay route. */
export function withRelayedRefresh<T>(strategy: ClientStrategy<T>): ClientStrategy<T> {
  return { ...strategy, refresh: relayedRefresh as ClientStrategy<T>['refresh'] }
}
