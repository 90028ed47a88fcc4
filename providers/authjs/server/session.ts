import { randomUUID } from 'node:crypto'
import type { Session } from '@auth/core/types'
import { getToken as decodeSessionCookie, type GetTokenParams, type JWT } from '@auth/core/jwt'
import { createError, getRequestHeader, getRequestHeaders, getRequestProtocol, type H3Event } from 'h3'
import { joinURL } from 'ufo'
import { resolveSecret } from './secret'
import { authjsSettings } from './settings'
import { handlerSecret } from './handler-secret'
import { requestOrigin } from './request-origin'
import { visitorProtocol } from '#auth-server'

/**
 * Marks this process's own session lookups. The lookup is a request through the app's server, so every server
 * middleware runs for it, and one that calls getServerSession would ask again for ever (each request waiting on
 * the next). For the lookup itself there is no visitor's session to find: null. Random per process, so a client
 * cannot send it (it could only make its own request sessionless).
 */
const LOOKUP_HEADER = 'x-gatekeeper-session-lookup'
const lookupMark = randomUUID()

/**
 * The session of the request's visitor, or null: Auth.js's own `{baseURL}/session`, called in-process with
 * the visitor's cookies, so callbacks (`session`, `jwt`) run as for the browser.
 */
export async function getServerSession(event: H3Event): Promise<Session | null> {
  if (getRequestHeader(event, LOOKUP_HEADER) === lookupMark) return null
  const { baseURL } = authjsSettings(event)
  // How the visitor reached this server goes along as the visitor sent it, so Auth.js derives the visitor's origin
  // (and cookie names) from the same headers (resolveOrigin reads the first of a list: `https, https`).
  const headers: Record<string, string> = { 'cookie': getRequestHeader(event, 'cookie') ?? '', 'x-forwarded-proto': visitorProtocol(event), [LOOKUP_HEADER]: lookupMark }
  for (const name of ['host', 'x-forwarded-host'] as const) {
    const value = getRequestHeader(event, name)
    if (value) headers[name] = value
  }
  const session = await globalThis.$fetch<Session | null>(joinURL(baseURL, 'session'), { headers })
  return session && typeof session === 'object' && Object.keys(session).length > 0 ? session : null
}

export interface GetTokenOptions {
  /** The secret the cookie was encrypted with. @default the one given to NuxtAuthHandler, else NUXT_AUTH_SECRET, else AUTH_SECRET */
  secret?: string
  /** Read the `__Secure-` cookie. @default true when the app's public URL or this request is https */
  secureCookie?: boolean
  /** The cookie's raw (encrypted) value instead of the decoded claims, as with the incumbent. @default false */
  raw?: boolean
  /** The session cookie's name, for an Auth.js config that renames it (`cookies.sessionToken.name`). @default Auth.js's, by `secureCookie` */
  cookieName?: string
  /** The key derivation's salt, for a config whose `jwt.encode` used another. @default the cookie's name */
  salt?: string
  /** The config's own `jwt.decode`, for a config that encodes its JWTs itself. @default Auth.js's */
  decode?: NonNullable<GetTokenParams['decode']>
}

/**
 * The decoded JWT of Auth.js's session cookie (JWT sessions), or null. Reads the cookie; no request.
 * `getToken(event, options?)`, or the incumbent's `getToken({ event, ...options })`.
 */
export async function getToken(options: GetTokenOptions & { event: H3Event, raw: true }): Promise<string | null>
export async function getToken(event: H3Event, options: GetTokenOptions & { raw: true }): Promise<string | null>
export async function getToken(eventOrOptions: H3Event | (GetTokenOptions & { event: H3Event }), options?: GetTokenOptions): Promise<JWT | null>
export async function getToken(eventOrOptions: H3Event | (GetTokenOptions & { event: H3Event }), options: GetTokenOptions = {}): Promise<JWT | string | null> {
  const event = 'event' in eventOrOptions && !('node' in eventOrOptions) ? eventOrOptions.event : eventOrOptions as H3Event
  if (eventOrOptions !== event) options = { ...(eventOrOptions as GetTokenOptions), ...options }
  const settings = authjsSettings(event)
  const secret = resolveSecret([options.secret, handlerSecret(), settings.secret, process.env.AUTH_SECRET], Boolean(import.meta.dev))
  if ('issue' in secret) throw createError({ statusCode: 500, statusMessage: 'Auth.js is not configured: set AUTH_SECRET' })
  // The cookie's name follows the origin the handler gave Auth.js for this request.
  const origin = requestOrigin(event)
  const https = options.secureCookie ?? ('origin' in origin ? origin.origin.startsWith('https:') : getRequestProtocol(event) === 'https')
  const params = { req: { headers: getRequestHeaders(event) as Record<string, string> }, secret: secret.secret, secureCookie: https, cookieName: options.cookieName, salt: options.salt, decode: options.decode }
  if (options.raw) return await decodeSessionCookie({ ...params, raw: true }) || null
  return await decodeSessionCookie(params)
}
