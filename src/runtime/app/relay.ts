import { AuthError, defineClientStrategy, isAuthErrorCode, RELAY_ROUTES, type EndpointConfig, type StrategyContext, type StrategyRequestInit } from '../core'

/**
 * The relay routes answer errors as `{ data: { authError: { code, message, data } } }` (see server/relay.ts):
 * the backend's verdict, e.g. INVALID_CREDENTIALS, rather than the status of the hop to this server.
 */
async function relay<T>(ctx: StrategyContext<unknown>, route: EndpointConfig, name: string, init: StrategyRequestInit): Promise<T> {
  try {
    return await ctx.request<T>(route, name, { ...init, token: null })
  }
  catch (error) {
    const relayed = ((error as AuthError).data as { data?: { authError?: { code?: unknown, message?: unknown, data?: unknown } } } | undefined)?.data?.authError
    if (!relayed || !isAuthErrorCode(relayed.code)) throw error
    throw new AuthError(relayed.code, String(relayed.message ?? relayed.code), { status: (error as AuthError).status, data: relayed.data })
  }
}

/**
 * The browser's strategy when the token cookie is httpOnly: the module's server routes run the provider's
 * strategy with the cookie (see server/relay.ts); here only sessions and typed errors come back.
 */
export const relayStrategy = defineClientStrategy<unknown>({
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
})
