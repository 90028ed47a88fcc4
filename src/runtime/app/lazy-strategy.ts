import type { ClientStrategy, StrategyContext } from '../core'
import { loadBackendCode } from './backend-loader'

/**
 * The browser's strategy before its code is loaded: the provider's strategy arrives with the backend-calling
 * chunk (./backend-code.ts), which a page the server rendered and checked does not need at first. What the app
 * asks at once (does it refresh, which actions does `useAuth()` get) comes from the provider's declared
 * capabilities; every call loads the chunk, then calls the real method. Sign-in and sign-up live in that chunk
 * and use the real strategy there.
 */
export function lazyStrategy({ refresh, actions }: { refresh: boolean, actions: readonly string[] }): ClientStrategy<unknown> {
  const real = async () => (await loadBackendCode()).browserStrategy
  const strategy: ClientStrategy<unknown> = {
    signIn: async (ctx, credentials, params) => await (await real()).signIn(ctx, credentials, params),
    signOut: async ctx => await (await real()).signOut(ctx),
    getSession: async ctx => await (await real()).getSession(ctx),
  }
  if (refresh) strategy.refresh = async ctx => await (await real()).refresh!(ctx)
  if (actions.length > 0) {
    strategy.actions = Object.fromEntries(actions.map(name => [name, async (ctx: StrategyContext<unknown>) => await (await real()).actions![name]!(ctx)]))
  }
  return strategy
}
