import { defineClientStrategy, readPointer, withoutPointer, type SignInParams, type StrategyContext } from '#auth-core'
import type { LocalRuntimeOptions } from './options'

/** Reads a value the options say is there; a missing one is the backend's fault, reported as BAD_RESPONSE. */
function pick(body: unknown, pointer: string, what: string, option: string, error: (message: string) => Error) {
  const result = readPointer(body, pointer)
  if (!result.found) throw error(`The ${what} response has nothing at ${option} "${pointer}"`)
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
  const token = pick(body, options.signInResponseTokenPointer, 'signIn', 'token.signInResponseTokenPointer', badResponse)
  if (typeof token !== 'string' || token.length === 0) throw badResponse(`The signIn response's token at "${options.signInResponseTokenPointer}" is not a non-empty string`)
  // The session is data about the user, never the tokens (`session.signInResponsePointer: '/'` reads the whole
  // answer): the token store keeps those, where page scripts may not be able to read them at all (httpOnly, session mode).
  const session = !options.signInResponsePointer
    ? undefined
    : pick([options.signInResponseTokenPointer, ...otherTokens].reduce(withoutPointer, body), options.signInResponsePointer, 'signIn', 'session.signInResponsePointer', badResponse)
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
    const data = pick(body, ctx.options.dataResponsePointer, 'getSession', 'session.dataResponsePointer', message => ctx.error('BAD_RESPONSE', message))
    if (data === null || typeof data !== 'object') throw ctx.error('BAD_RESPONSE', `The getSession response's data at "${ctx.options.dataResponsePointer}" is not an object`)
    return data
  },
})
