import { defineClientStrategy, type StrategyContext } from '../core'

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

export const relayStrategy = defineClientStrategy<unknown>({
  async signIn(ctx: StrategyContext<unknown>, credentials, params) {
    // signInHeaders go in the body: the relay passes them on to the backend (see forwardableHeaders).
    const body = await ctx.request<{ session: unknown }>(ROUTES.signIn, 'signIn', { body: { credentials, query: params?.query, headers: params?.headers }, token: null })
    return { session: body.session }
  },
  async signUp(ctx, credentials, params) {
    const body = await ctx.request<{ response: unknown }>(ROUTES.signUp, 'signUp', { body: { credentials, headers: params?.headers }, token: null })
    return body.response
  },
  async signOut(ctx) {
    const body = await ctx.request<{ backendError?: string | null }>(ROUTES.signOut, 'signOut', { body: {}, token: null })
    // The cookie is gone either way; the backend's failure still reaches the auth:error hook.
    if (body?.backendError) throw ctx.error(body.backendError as never, 'The backend failed to sign out; the session cookie was removed anyway')
  },
  async getSession(ctx) {
    const body = await ctx.request<{ session: unknown }>(ROUTES.session, 'getSession', { token: null })
    return body.session
  },
})
