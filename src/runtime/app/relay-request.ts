import { AuthError, isAuthErrorCode, type EndpointConfig, type StrategyContext, type StrategyRequestInit } from '../core'

/**
 * The relay routes answer errors as `{ data: { authError: { code, message, data } } }` (see server/relay.ts):
 * the backend's verdict, e.g. INVALID_CREDENTIALS, rather than the status of the hop to this server.
 */
export async function relay<T>(ctx: StrategyContext<unknown>, route: EndpointConfig, name: string, init: StrategyRequestInit): Promise<T> {
  try {
    return await ctx.request<T>(route, name, { ...init, relay: true })
  }
  catch (error) {
    const relayed = ((error as AuthError).data as { data?: { authError?: { code?: unknown, message?: unknown, data?: unknown } } } | undefined)?.data?.authError
    if (!relayed || !isAuthErrorCode(relayed.code)) {
      // A refusal the relay route did not write (a proxy's block page, a basic-auth gate, the app's own server
      // middleware on /api/**) says nothing about the session: no verdict, nobody signed out.
      if (error instanceof AuthError && error.isVerdict) {
        throw new AuthError('BAD_RESPONSE', `${route ? route.path : name} answered ${error.status} without the module's error body: something in front of this route refused the request (a proxy, basic auth, a server middleware on /api/**); let /api/_auth/** through to the app`, { status: error.status, cause: error })
      }
      throw error
    }
    // The relay's own `Retry-After` (a rate limit's wait), read by the request from the hop's answer.
    throw new AuthError(relayed.code, String(relayed.message ?? relayed.code), { status: (error as AuthError).status, data: relayed.data, retryAfterMs: (error as AuthError).retryAfterMs })
  }
}
