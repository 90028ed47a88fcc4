import { defineClientStrategy, readPointer, withoutPointer, type EndpointConfig, type SignInParams, type StrategyContext } from '#auth-core'
import type { LocalRuntimeOptions } from './options'

/** The URL an endpoint was called at, for messages (a disabled endpoint is never read from). */
export function endpointAt(ctx: StrategyContext<unknown>, endpoint: EndpointConfig | undefined): string {
  return endpoint ? ctx.url(endpoint.path) : '(disabled)'
}

/** What a value is, for a message that must not quote it (it may be a token). */
export function kindOf(value: unknown): string {
  if (value === null) return 'null (or an empty body)'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

/**
 * Reads a value the options say is there; a missing one is the backend's fault, reported as BAD_RESPONSE naming the
 * endpoint, its URL and the option (DESIGN: a bad backend answer names the URL and the option to check).
 */
function pick(body: unknown, pointer: string, what: string, url: string, option: string, error: (message: string) => Error) {
  const result = readPointer(body, pointer)
  if (!result.found) throw error(`The ${what} endpoint (${url}) answered ${body === null ? 'no JSON body' : 'nothing'} at ${option} "${pointer}": check that option, or what the endpoint answers`)
  return result.value
}

/**
 * The sign-in call and what the options say to read from it; the refresh provider reads more of `body`, and names
 * its other token pointers in `otherTokens`.
 */
export async function requestSignIn(ctx: StrategyContext<LocalRuntimeOptions>, credentials: Record<string, unknown>, params?: SignInParams, otherTokens: string[] = []) {
  const { options } = ctx
  const body = await ctx.request(options.endpoints.signIn, 'signIn', { body: credentials, query: params?.query, headers: params?.headers, token: null })
  // No `data: body` here: the body may hold tokens, and errors travel to hooks, loggers and the browser.
  const badResponse = (message: string) => ctx.error('BAD_RESPONSE', message)
  const url = endpointAt(ctx, options.endpoints.signIn)
  const token = pick(body, options.signInResponseTokenPointer, 'signIn', url, 'auth.provider.token.signInResponseTokenPointer', badResponse)
  if (typeof token !== 'string' || token.length === 0) throw badResponse(`The signIn endpoint (${url}) answered ${kindOf(token)} at auth.provider.token.signInResponseTokenPointer "${options.signInResponseTokenPointer}", not a non-empty token string`)
  // The session is data about the user, never the tokens (`session.signInResponsePointer: '/'` reads the whole
  // answer): the token store keeps those, where page scripts may not be able to read them at all (httpOnly, session mode).
  const session = !options.signInResponsePointer
    ? undefined
    : pick([options.signInResponseTokenPointer, ...otherTokens].reduce(withoutPointer, body), options.signInResponsePointer, 'signIn', url, 'auth.provider.session.signInResponsePointer', badResponse)
  return { body, token, session }
}

export default defineClientStrategy<LocalRuntimeOptions>({
  async signIn(ctx, credentials, params) {
    const { token, session } = await requestSignIn(ctx, credentials, params)
    return { token, session }
  },

  async signUp(ctx, credentials, params) {
    return await ctx.request(ctx.options.endpoints.signUp, 'signUp', { body: credentials, query: params?.query, headers: params?.headers, token: null, textAnswer: true })
  },

  async signOut(ctx) {
    if (!ctx.options.endpoints.signOut || !ctx.token()) return
    await ctx.request(ctx.options.endpoints.signOut, 'signOut')
  },

  async getSession(ctx) {
    if (!ctx.token()) return null
    const body = await ctx.request(ctx.options.endpoints.getSession, 'getSession')
    const url = endpointAt(ctx, ctx.options.endpoints.getSession)
    const data = pick(body, ctx.options.dataResponsePointer, 'getSession', url, 'auth.provider.session.dataResponsePointer', message => ctx.error('BAD_RESPONSE', message))
    // A session is an object: an array passes `typeof` but is no session (and `data.value.name` would be undefined).
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw ctx.error('BAD_RESPONSE', `The getSession endpoint (${url}) answered ${kindOf(data)} at auth.provider.session.dataResponsePointer "${ctx.options.dataResponsePointer}", not the session object: check that option, or what the endpoint answers`)
    }
    return data
  },
})
