import { defineClientStrategy, pointsToWhole, readPointer, valueAt, withoutPointer, type EndpointConfig, type SignInParams, type StrategyContext } from '#auth-core'
import type { LocalRuntimeOptions } from './options'

/**
 * A 2xx answer without what the options point at: BAD_RESPONSE naming the endpoint's URL, what came back (never its
 * value: it may be a token) and the option that points there. The fix is dev-log.ts's for BAD_RESPONSE.
 */
export function unexpectedAnswer(ctx: StrategyContext<unknown>, name: string, endpoint: EndpointConfig | undefined, body: unknown, option: string, pointer: string, expected: string): Error {
  const value = readPointer(body, pointer)
  const what = body === null ? 'no JSON body' : !value.found ? 'nothing' : value.value === null ? 'null' : Array.isArray(value.value) ? 'an array' : typeof value.value === 'object' ? 'an object' : `a ${typeof value.value}`
  return ctx.error('BAD_RESPONSE', `The ${name} endpoint (${endpoint ? ctx.url(endpoint.path) : ''}) answered ${what} at auth.provider.${option} "${pointer}", not ${expected}`)
}

/** A session is an object: an array passes `typeof` but is no session (and `data.value.name` would be undefined). */
function isSessionObject(value: unknown): value is object {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Reads the session the options say is there; anything but an object is the backend's fault. */
function pickSession(ctx: StrategyContext<unknown>, name: string, endpoint: EndpointConfig | undefined, body: unknown, option: string, pointer: string) {
  const session = valueAt(body, pointer)
  if (!isSessionObject(session)) throw unexpectedAnswer(ctx, name, endpoint, body, option, pointer, 'the session object')
  return session
}

/**
 * The sign-in call and what the options say to read from it; the refresh provider reads more of `body`, and names
 * its other token pointers in `otherTokens`.
 */
export async function requestSignIn(ctx: StrategyContext<LocalRuntimeOptions>, credentials: Record<string, unknown>, params?: SignInParams, otherTokens: string[] = []) {
  const { options } = ctx
  // A whole answer that is the token may come as plain text.
  const body = await ctx.request(options.endpoints.signIn, 'signIn', { body: credentials, query: params?.query, headers: params?.headers, token: null, textAnswer: pointsToWhole(options.signInResponseTokenPointer) })
  // No `data: body` here: the body may hold tokens, and errors travel to hooks, loggers and the browser.
  const token = valueAt(body, options.signInResponseTokenPointer)
  if (typeof token !== 'string' || token.length === 0) throw unexpectedAnswer(ctx, 'signIn', options.endpoints.signIn, body, 'token.signInResponseTokenPointer', options.signInResponseTokenPointer, 'a token')
  // The session is data about the user, never the tokens (`session.signInResponsePointer: '/'` reads the whole
  // answer): the token store keeps those, where page scripts may not be able to read them at all (httpOnly, session mode).
  const session = !options.signInResponsePointer
    ? undefined
    : pickSession(ctx, 'signIn', options.endpoints.signIn, [options.signInResponseTokenPointer, ...otherTokens].reduce(withoutPointer, body), 'session.signInResponsePointer', options.signInResponsePointer)
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
    const { endpoints, dataResponsePointer } = ctx.options
    return pickSession(ctx, 'getSession', endpoints.getSession, body, 'session.dataResponsePointer', dataResponsePointer)
  },
})
