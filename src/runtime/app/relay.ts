import { AuthError, isAuthErrorCode, RELAY_ROUTES, type ClientStrategy, type EndpointConfig, type StrategyContext, type StrategyRequestInit, type TokenResult } from '../core'

/**
 * The relay routes answer errors as `{ data: { authError: { code, message, data } } }` (see server/relay.ts):
 * the backend's verdict, e.g. INVALID_CREDENTIALS, rather than the status of the hop to this server.
 */
async function relay<T>(ctx: StrategyContext<unknown>, route: EndpointConfig, name: string, init: StrategyRequestInit): Promise<T> {
  try {
    return await ctx.request<T>(route, name, { ...init, relay: true })
  }
  catch (error) {
    const relayed = ((error as AuthError).data as { data?: { authError?: { code?: unknown, message?: unknown, data?: unknown } } } | undefined)?.data?.authError
    if (!relayed || !isAuthErrorCode(relayed.code)) throw error
    throw new AuthError(relayed.code, String(relayed.message ?? relayed.code), { status: (error as AuthError).status, data: relayed.data })
  }
}

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

/**
 * The browser's strategy when the token cookie is httpOnly: the module's server routes run the provider's
 * strategy with the cookie (see server/relay.ts); here only sessions and typed errors come back.
 */
export const relayStrategy: ClientStrategy<unknown> = {
  async signIn(ctx: StrategyContext<unknown>, credentials, params) {
    // signInHeaders go in the body: the relay passes them on to the backend (see forwardableHeaders).
    const body = await relay<{ session: unknown }>(ctx, RELAY_ROUTES.signIn, 'signIn', { body: { credentials, query: params?.query, headers: params?.headers } })
    return { session: body.session }
  },
  async signUp(ctx, credentials, params) {
    const body = await relay<{ response: unknown }>(ctx, RELAY_ROUTES.signUp, 'signUp', { body: { credentials, headers: params?.headers } })
    return body.response
  },
  async signOut(ctx) {
    const body = await relay<{ backendError?: string | null }>(ctx, RELAY_ROUTES.signOut, 'signOut', { body: {} })
    // The cookie is gone either way; the backend's failure still reaches the auth:error hook.
    if (body?.backendError) throw ctx.error(body.backendError as never, 'The backend failed to sign out; the session cookie was removed anyway')
  },
  async getSession(ctx) {
    const body = await relay<{ session: unknown }>(ctx, RELAY_ROUTES.session, 'getSession', {})
    return body.session
  },
}
