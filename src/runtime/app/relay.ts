import { AuthError, defineClientStrategy, type AuthErrorCode, type EndpointConfig, type StrategyContext, type StrategyRequestInit } from '../core'

/**
 * The browser's strategy when the token cookie is httpOnly: the module's server routes run the provider's
 * strategy with the cookie (see server/relay.ts); here only sessions and typed errors come back.
 */
const ROUTES = {
  session: { path: '/api/_auth/session', method: 'get' },
  signIn: { path: '/api/_auth/signin', method: 'post' },
  signUp: { path: '/api/_auth/signup', method: 'post' },
  signOut: { path: '/api/_auth/signout', method: 'post' },
}

const CODES: ReadonlySet<string> = new Set<AuthErrorCode>(['INVALID_CREDENTIALS', 'UNAUTHORIZED', 'REFRESH_REFUSED', 'NETWORK', 'TIMEOUT', 'SERVER', 'BAD_REQUEST', 'BAD_RESPONSE', 'ENDPOINT_DISABLED', 'CSRF', 'NOT_SUPPORTED'])

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
    if (!relayed || typeof relayed.code !== 'string' || !CODES.has(relayed.code)) throw error
    throw new AuthError(relayed.code as AuthErrorCode, String(relayed.message ?? relayed.code), { status: (error as AuthError).status, data: relayed.data })
  }
}

export const relayStrategy = defineClientStrategy<unknown>({
  async signIn(ctx: StrategyContext<unknown>, credentials, params) {
    // signInHeaders go in the body: the relay passes them on to the backend (see forwardableHeaders).
    const body = await relay<{ session: unknown }>(ctx, ROUTES.signIn, 'signIn', { body: { credentials, query: params?.query, headers: params?.headers } })
    return { session: body.session }
  },
  async signUp(ctx, credentials, params) {
    const body = await relay<{ response: unknown }>(ctx, ROUTES.signUp, 'signUp', { body: { credentials, headers: params?.headers } })
    return body.response
  },
  async signOut(ctx) {
    const body = await relay<{ backendError?: string | null }>(ctx, ROUTES.signOut, 'signOut', { body: {} })
    // The cookie is gone either way; the backend's failure still reaches the auth:error hook.
    if (body?.backendError) throw ctx.error(body.backendError as never, 'The backend failed to sign out; the session cookie was removed anyway')
  },
  async getSession(ctx) {
    const body = await relay<{ session: unknown }>(ctx, ROUTES.session, 'getSession', {})
    return body.session
  },
})
