// The fetch helper's code: a chunk of its own, loaded by the first call (backend-loader.ts, loadFetchHelper).
import type { H3Event } from 'h3'
import type { NitroFetchOptions, NitroFetchRequest } from 'nitropack'
import { withBase } from 'ufo'
import { AuthError } from '../core'
import type { AuthManager } from './manager'
import { forgetCachedSession } from '../shared/session-cache'
import type { AuthFetch } from './composables/useAuthFetch'
import { devRefreshTrigger } from './devtools/record'

/**
 * Headers as a plain record with lower-case names, whichever form the caller used (plain records travel through
 * every fetch layer). A name given twice keeps both values, joined as fetch joins them.
 */
function plainHeaders(headers: unknown): Record<string, string> {
  if (!headers) return {}
  const record: Record<string, string> = {}
  const add = (value: string, name: string) => {
    const key = name.toLowerCase()
    record[key] = key in record ? `${record[key]}, ${value}` : value
  }
  if (Array.isArray(headers)) (headers as Array<[string, string]>).forEach(([name, value]) => add(value, name))
  else if (typeof (headers as Headers).forEach === 'function' && typeof (headers as Headers).get === 'function') (headers as Headers).forEach(add)
  else Object.entries(headers as Record<string, string>).forEach(([name, value]) => add(value, name))
  return record
}

/** A `Request` given as the call (ofetch would send the options' headers instead of its own; its body reads once). */
function requestObject(request: NitroFetchRequest): Request | undefined {
  return typeof request === 'object' && request !== null && 'headers' in request && 'url' in request ? request as Request : undefined
}

/**
 * Whether the call can be sent again after a 401: a stream (an upload) or a `Request`'s body can be read only once (a
 * Request judged by its method: Firefox gives it no `body` to look at).
 */
function sendableTwice(request: NitroFetchRequest, options: NitroFetchOptions<NitroFetchRequest> | undefined): boolean {
  const method = requestObject(request)?.method
  if (method && method !== 'GET' && method !== 'HEAD') return false
  const body = options?.body as unknown
  if (typeof body !== 'object' || body === null) return true
  return typeof (body as ReadableStream).getReader !== 'function' && typeof (body as { pipe?: unknown }).pipe !== 'function' && !(Symbol.asyncIterator in body)
}

/**
 * `work()` unless the caller's signal has aborted, and its reason as soon as it does: a caller who gave up waits for
 * no refresh (which goes on for the others).
 */
function unlessAborted<T>(work: () => Promise<T>, signal: AbortSignal | null | undefined): Promise<T> {
  if (!signal) return work()
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason)
    signal.addEventListener('abort', abort, { once: true })
    work().then(resolve, reject).finally(() => signal.removeEventListener('abort', abort))
  })
}

/**
 * Whether the call goes to a path of this app, where the visitor's cookies may go: as ofetch sends it, with the
 * options' `baseURL` in front (`{ baseURL: 'https://api.example' }` makes `/orders` another site's).
 */
function isOwnPath(request: NitroFetchRequest, baseURL: string | undefined): boolean {
  if (typeof request !== 'string') return false
  const sent = baseURL ? withBase(request, baseURL) : request
  return sent.startsWith('/') && !sent.startsWith('//') && !sent.startsWith('/\\')
}

function statusOf(error: unknown): number | undefined {
  return (error as { response?: { status?: number } }).response?.status ?? (error as { statusCode?: number }).statusCode
}

/**
 * `$fetch` with the current token in the configured header. An expiring token is refreshed first (one
 * refresh for any number of concurrent calls); a 401 runs (or joins, or adopts another tab's) refresh and
 * retries once; a second 401 ends the session (the backend is told, so it can revoke the refresh token).
 * Works during SSR as well.
 */
export function createAuthFetch(manager: AuthManager, requestEvent?: H3Event): AuthFetch {
  const { tokens } = manager
  // SSR with httpOnly cookies or server-side sessions: a call to this app's own API carries the visitor's cookies,
  // as the browser's would (its session id, for the session utilities), besides the token.
  const event = import.meta.server && manager.config.token?.cookie.httpOnly ? requestEvent : undefined

  /** The call as sent with `token`: ours replaces the caller's header, whatever its spelling (fetch would join two). */
  const withToken = (request: NitroFetchRequest, options: NitroFetchOptions<NitroFetchRequest> = {}, token: string | null) => {
    const authorization = tokens.authorization(token)
    const cookie = event && isOwnPath(request, options.baseURL) ? event.node.req.headers.cookie : undefined
    // A Request's own headers are kept, the options' added to them: ofetch would send the options' instead.
    const own = requestObject(request)?.headers
    if (!authorization && !cookie && !(own && options.headers)) return options
    const replaced = new Set([authorization?.name.toLowerCase(), cookie ? 'cookie' : undefined])
    const given = { ...plainHeaders(own), ...plainHeaders(options.headers) }
    const headers = Object.fromEntries(Object.entries(given).filter(([name]) => !replaced.has(name)))
    return { ...options, headers: { ...headers, ...(cookie ? { cookie } : {}), ...(authorization ? { [authorization.name]: authorization.value } : {}) } }
  }

  return async function authFetch<T>(request: NitroFetchRequest, options?: NitroFetchOptions<NitroFetchRequest>): Promise<T> {
    // Asked for at the call: the manager makes its refresher when first needed.
    const refresher = manager.refresher()
    const signal = options?.signal
    if (import.meta.dev && refresher) devRefreshTrigger('fetch')
    if (refresher) await unlessAborted(() => refresher.refreshIfNeeded().catch(() => {}), signal)
    const sent = tokens.token()
    try {
      return await $fetch<T>(request, withToken(request, options, sent)) as T
    }
    catch (error) {
      if (statusOf(error) !== 401) throw error
      // The backend no longer takes this token: the next SSR request must not answer from the session cache.
      if (import.meta.server) await forgetCachedSession(sent)
      if (!refresher || !tokens.refreshToken()) {
        // No way to renew here: let the session endpoint give the verdict (it signs out on a 401 of its own).
        const session = await unlessAborted(() => manager.getSession().catch(() => null), signal)
        // httpOnly cookies: that check renewed them on the server when it could; the call gets one more try.
        if (session && !tokens.readable && sendableTwice(request, options)) return await $fetch<T>(request, options) as T
        throw error
      }
      // Throws REFRESH_REFUSED (after signing out) or a transient error (session kept).
      await unlessAborted(() => refresher.refreshAfterUnauthorized(sent), signal)
      // A body that was read once cannot go again: the caller gets the 401, and its next call the fresh token.
      if (!sendableTwice(request, options)) throw error
      const retried = tokens.token()
      try {
        return await $fetch<T>(request, withToken(request, options, retried)) as T
      }
      catch (retryError) {
        if (statusOf(retryError) === 401) {
          // The API refuses even fresh tokens: this session is over, here and at the backend. Ended once: concurrent
          // calls refused with the same token find it ended already (or a new sign-in's token, which stays).
          await manager.endSession('session-refused', { callBackend: true, stillValid: () => retried !== null && tokens.token() === retried })
          throw new AuthError('UNAUTHORIZED', 'The API refused a freshly refreshed token', { status: 401, cause: retryError })
        }
        throw retryError
      }
    }
  }
}
