import { AuthError, type AuthRequestContext, type AuthResponseContext, type EndpointConfig, type StrategyRequestInit } from '../core'
import { endpointURL, isAbsoluteURL } from './endpoint-url'
import { withoutTokenValues, type TokenStore } from './token-store'

// Used by the app (browser and SSR) and by the module's server routes alike: no Nuxt-app imports here.

export interface RequestDeps {
  baseURL: string
  timeout: number
  /**
   * Formats the access token's header (the stored token unless the request names one); on the server, also what an
   * error's body must not carry (see withoutHeldTokens).
   */
  tokens: Pick<TokenStore, 'authorization'> & Partial<Pick<TokenStore, 'token' | 'refreshToken'>>
  callHook?: {
    (name: 'auth:request', context: AuthRequestContext): Promise<unknown>
    (name: 'auth:response', context: AuthResponseContext): Promise<unknown>
  }
  /**
   * SSR: headers of the visitor's request for requests made `withCookies`: its `Cookie`, and, for a backend
   * on this very server (a path baseURL), how it was reached (`Host`, `X-Forwarded-Host/Proto`), so that
   * backend sees the visitor's origin (Auth.js derives its cookie names and redirect URLs from it).
   */
  incomingHeaders?: () => Record<string, string | undefined>
  /** SSR: receives the `Set-Cookie` headers of answers to requests made `withCookies`. */
  onSetCookie?: (cookies: string[]) => void
  /** The relay routes: the browser's request as the server saw it, sent with every backend request over any other value. */
  forwarded?: Record<string, string>
  /**
   * SSR: the render's mark (core/protocol.ts, RENDER_HEADER), sent only to this app: a path, or a full URL with the
   * visitor's `Host` (this instance or another behind the same address). A backend elsewhere never learns it.
   */
  renderMark?: Readonly<Record<string, string>>
}

// RFC 9110 field values: visible characters, spaces and tabs, and obs-text; never CR, LF or NUL.
const HEADER_VALUE = /^[\t\x20-\x7E\x80-\xFF]*$/

/** Calls one backend endpoint and maps every failure to an AuthError with a code. */
export async function requestEndpoint<T>(deps: RequestDeps, endpoint: EndpointConfig | undefined, name: string, init: StrategyRequestInit = {}): Promise<T> {
  if (!endpoint) {
    throw new AuthError('ENDPOINT_DISABLED', `The ${name} endpoint is disabled: auth.provider.endpoints.${name} is false (or missing) in nuxt.config`)
  }
  const url = endpointURL(init.relay ? '/' : deps.baseURL, endpoint.path)
  const headers: Record<string, string> = { accept: 'application/json', ...init.headers, ...deps.forwarded }
  const authorization = init.relay ? null : init.token === undefined ? deps.tokens.authorization() : deps.tokens.authorization(init.token)
  if (authorization) headers[authorization.name] = authorization.value
  if (init.withCookies) {
    const sameServer = !isAbsoluteURL(url)
    for (const [name, value] of Object.entries(deps.incomingHeaders?.() ?? {})) {
      if (value && (name === 'cookie' || sameServer)) headers[name] = value
    }
  }
  const options: AuthRequestContext['options'] = { method: (init.method ?? endpoint.method ?? 'get').toUpperCase(), headers, body: init.body, query: init.query }
  // Bounded by requestTimeout too: a request may run under a lock (the tab's, a session's in the storage) that lasts
  // about twice that, and a hook that took longer would let another request spend the same refresh token.
  let hookDeadline: ReturnType<typeof setTimeout> | undefined
  await Promise.race([
    deps.callHook?.('auth:request', { endpoint: name, url, options }),
    new Promise((_resolve, reject) => {
      hookDeadline = setTimeout(() => reject(new AuthError('TIMEOUT', `The auth:request hook of the ${name} request took over ${deps.timeout} ms: not sent`)), deps.timeout)
    }),
  ]).finally(() => clearTimeout(hookDeadline))
  // After the hook: app code that logs the request's headers never sees the mark.
  if (deps.renderMark && (!isAbsoluteURL(url) || new URL(url).host === deps.incomingHeaders?.().host)) Object.assign(options.headers, deps.renderMark)
  // Checked here, before sending: fetch would throw while building the request, and that failure is this
  // request's fault, not the network's (a NETWORK error is no verdict and would leave the caller waiting).
  const unsendable = Object.entries(options.headers).find(([, value]) => !HEADER_VALUE.test(String(value)))
  if (unsendable) {
    throw new AuthError('BAD_REQUEST', `The ${name} request was not sent: its ${unsendable[0]} header holds characters an HTTP header cannot carry`)
  }

  // What is read of the answer; not `ReturnType<typeof $fetch.raw>`, whose typed routes exceed TypeScript's depth.
  let response: { status: number, headers: Headers, _data?: unknown }
  // requestTimeout covers the whole exchange, the body too (ofetch's own timeout stops at the headers): the
  // abort cancels a real network request, and the race answers even where the fetch ignores it (Nitro's
  // in-process fetch of a backend on this server). A timer cleared when the exchange ends, not
  // AbortSignal.timeout(): that signal, once listened to, lives until it fires, and would hold the race's
  // answer, the whole response, for requestTimeout after every request.
  const abort = new AbortController()
  let deadline: ReturnType<typeof setTimeout> | undefined
  const timedOut = new Promise<never>((_resolve, reject) => {
    deadline = setTimeout(() => {
      const reason = new DOMException(`The ${name} request took longer than ${deps.timeout} ms`, 'TimeoutError')
      abort.abort(reason)
      reject(reason)
    }, deps.timeout)
  })
  try {
    response = await Promise.race([timedOut, $fetch.raw(url, {
      ...options,
      body: options.body as Record<string, unknown> | undefined,
      method: options.method as 'GET',
      signal: abort.signal,
      retry: 0,
      responseType: 'text',
      // A backend on another origin still gets (and sets) its session cookies.
      ...(init.withCookies ? { credentials: 'include' as const } : {}),
      ...(init.keepalive ? { keepalive: true } : {}),
    })])
  }
  catch (error) {
    const status = (error as { response?: { status?: number } }).response?.status
    announce(deps, { endpoint: name, url, status: status ?? 0 })
    throw import.meta.client ? toAuthError(error, name, url) : withoutHeldTokens(toAuthError(error, name, url), deps, [init.token, authorization?.value])
  }
  finally {
    clearTimeout(deadline)
  }
  announce(deps, { endpoint: name, url, status: response.status })
  if (init.withCookies && deps.onSetCookie) {
    const cookies = response.headers.getSetCookie?.() ?? []
    if (cookies.length > 0) deps.onSetCookie(cookies)
  }
  return parseBody(response._data, response.headers.get('content-type'), name, url, init.textAnswer) as T
}

/**
 * On the server: the error without the tokens this request held or sent, wherever its `data` (the backend's error
 * body) echoes them, as a validation error naming the value it refused does. App code may hand the error to a render
 * (`useAsyncData`), which puts its `data` in the page's payload; with httpOnly cookies that would give page scripts the
 * token. In the browser the tokens are the page's already (or its requests go through the relay, which passes no
 * such body on).
 */
function withoutHeldTokens(error: AuthError, deps: RequestDeps, sent: Array<string | null | undefined>): AuthError {
  if (error.data === undefined || error.data === null) return error
  // Wrapped, so that a body that is a token itself goes too.
  const { data } = withoutTokenValues({ data: error.data }, deps.tokens, sent)
  if (data === error.data) return error
  return new AuthError(error.code, error.message, { status: error.status, data, retryAfterMs: error.retryAfterMs, cause: error.cause })
}

/**
 * `auth:response`, not awaited: the answer is in, and the operation goes on. A hook that acts on it (`await signOut()`
 * on a 401) waits for the tab lock a refresh, sign-in or sign-out holds while it makes this very request: awaited
 * here, neither would ever finish, in any tab. A hook that throws is logged.
 */
function announce(deps: RequestDeps, context: AuthResponseContext) {
  if (!deps.callHook) return
  Promise.resolve().then(() => deps.callHook!('auth:response', context)).catch((error: unknown) => {
    console.error(`[nuxt-gatekeeper] auth:response hook threw (${context.endpoint}, ${context.status})`, error)
  })
}

function parseBody(text: unknown, contentType: string | null, name: string, url: string, textAnswer = false): unknown {
  if (typeof text !== 'string' || text.trim() === '') return null
  let body: unknown
  try {
    body = JSON.parse(text)
  }
  catch (cause) {
    // Plain text where the caller takes it as it is; never an HTML page (a wrong baseURL answering with the app).
    if (textAnswer && !contentType?.includes('html')) return text
    const hint = contentType?.includes('html') ? ' (an HTML page came back: is auth.baseURL / NUXT_PUBLIC_AUTH_BASE_URL pointing at the backend?)' : ''
    throw new AuthError('BAD_RESPONSE', `The ${name} endpoint (${url}) did not answer JSON${hint}`, { cause })
  }
  const problem = unholdable(body)
  if (problem) throw new AuthError('BAD_RESPONSE', `The ${name} endpoint (${url}) answered JSON the app cannot hold: ${problem}`)
  return body
}

/** Deeper than any session needs; the page payload's serialiser and structuredClone give up far deeper. */
export const MAX_ANSWER_DEPTH = 64

/**
 * Why a parsed answer cannot become session state (it travels in the page payload and is copied), or null.
 * A `__proto__` key is refused by the payload serialiser and invites prototype pollution wherever app code
 * merges the session; very deep nesting overflows the serialiser's stack. Checked once, when the answer arrives.
 */
export function unholdable(value: unknown): string | null {
  const pending: Array<{ node: unknown, depth: number }> = [{ node: value, depth: 0 }]
  while (pending.length > 0) {
    const { node, depth } = pending.pop()!
    if (typeof node !== 'object' || node === null) continue
    if (depth >= MAX_ANSWER_DEPTH) return `it is nested deeper than ${MAX_ANSWER_DEPTH} levels`
    for (const key of Object.keys(node)) {
      if (key === '__proto__') return 'it has a "__proto__" key'
      pending.push({ node: (node as Record<string, unknown>)[key], depth: depth + 1 })
    }
  }
  return null
}

/** The option that configures each endpoint the module calls. */
const ENDPOINT_OPTION: Readonly<Record<string, string>> = {
  signIn: 'auth.provider.endpoints.signIn',
  signOut: 'auth.provider.endpoints.signOut',
  signUp: 'auth.provider.endpoints.signUp',
  getSession: 'auth.provider.endpoints.getSession',
  refresh: 'auth.provider.refresh.endpoint, or endpoints.refresh',
}

/** Maps a fetch failure to a typed AuthError. 401/403 are verdicts; everything else keeps the session. */
export function toAuthError(error: unknown, name: string, url: string): AuthError {
  if (error instanceof AuthError) return error
  const failure = error as { name?: string, message?: string, cause?: { name?: string }, response?: { status?: number, headers?: Headers }, data?: unknown }
  const status = failure.response?.status
  if (status === undefined) {
    const timedOut = failure.name === 'TimeoutError' || failure.cause?.name === 'TimeoutError' || /timeout|aborted due to timeout/i.test(failure.message ?? '')
    return timedOut
      ? new AuthError('TIMEOUT', `The ${name} endpoint (${url}) did not answer in time`, { cause: error })
      : new AuthError('NETWORK', `The ${name} endpoint (${url}) could not be reached`, { cause: error })
  }
  const data = parseErrorData(failure.data)
  if (status === 401 || status === 403) return new AuthError('UNAUTHORIZED', `The ${name} endpoint (${url}) refused the request (${status})`, { status, data, cause: error })
  // A rate limit, or a backend down for a while (503), may say how long to wait: automatic retries honour it.
  const retryAfterMs = status === 429 || status === 503 ? retryAfterOf(failure.response?.headers) : undefined
  if (status === 429) return new AuthError('RATE_LIMITED', `The ${name} endpoint (${url}) asked to be called less often (429)`, { status, data, retryAfterMs, cause: error })
  if (status >= 500) return new AuthError('SERVER', `The ${name} endpoint (${url}) failed (${status})`, { status, data, retryAfterMs, cause: error })
  // A 404 or 405 is most often a wrong path or method in the options: name them.
  const hint = status === 404 || status === 405 ? `: check auth.baseURL and the ${name} endpoint's path and method (${ENDPOINT_OPTION[name] ?? 'auth.provider.endpoints'})` : ''
  return new AuthError('BAD_REQUEST', `The ${name} endpoint (${url}) rejected the request (${status})${hint}`, { status, data, cause: error })
}

/**
 * A `Retry-After` header in ms: delay-seconds, or an HTTP-date read against the answer's own `Date` (the server's
 * clock against itself, so a wrong clock on this side does not matter), else against this clock. `undefined`
 * when absent or unreadable.
 */
function retryAfterOf(headers: Pick<Headers, 'get'> | undefined): number | undefined {
  const value = headers?.get('retry-after')?.trim()
  if (!value) return undefined
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - (Date.parse(headers!.get('date') ?? '') || Date.now())
  return Number.isNaN(ms) ? undefined : Math.max(0, ms)
}

function parseErrorData(data: unknown): unknown {
  if (typeof data !== 'string') return data
  try {
    return JSON.parse(data)
  }
  catch {
    return undefined
  }
}
