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
    if (!relayed || !isAuthErrorCode(relayed.code)) throw error
    // The relay's own `Retry-After` (a rate limit's wait), read by the request from the hop's answer.
    throw new AuthError(relayed.code, String(relayed.message ?? relayed.code), { status: (error as AuthError).status, data: relayed.data, retryAfterMs: (error as AuthError).retryAfterMs })
  }
}
