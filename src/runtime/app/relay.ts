import { AuthError, RELAY_ROUTES, type ClientStrategy, type StrategyContext } from '../core'
import { relay } from './relay-request'

/**
 * The browser's strategy when the token cookie is httpOnly: the module's server routes run the provider's
 * strategy with the cookie (see server/relay.ts); here only sessions and typed errors come back.
 */
export const relayStrategy: ClientStrategy<unknown> = {
  async signIn(ctx: StrategyContext<unknown>, credentials, params) {
    // signInHeaders go in the body: the relay passes them on to the backend (see forwardableHeaders).
    const body = await relay<{ session: unknown }>(ctx, RELAY_ROUTES.signIn, 'signIn', { body: { credentials, query: params?.query, headers: params?.headers } })
    return { session: sessionIn(body, RELAY_ROUTES.signIn.path) }
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
    return sessionIn(body, RELAY_ROUTES.session.path)
  },
}

/**
 * The session in a relay route's answer. A 200 without one was written by something else (a proxy, the app's own
 * middleware on /api/**, `{ error: 'Unauthorized' }`): no verdict, neither signed in with no data nor signed out.
 */
function sessionIn(body: { session?: unknown } | null, path: string): unknown {
  if (typeof body === 'object' && body && body.session !== undefined) return body.session
  throw new AuthError('BAD_RESPONSE', `${path} answered without a session: something in front of it wrote the answer (a proxy, a server middleware on /api/**)`)
}
