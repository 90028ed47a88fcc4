import { AuthError } from '../core/errors'
import type { TokenResult } from '../core'
import { withoutValues } from '../core/pointer-removal'
import { formatAuthorization } from '../core/token'
import type { CookieRuntimeConfig, TokenRuntimeConfig } from '../core/config'

/** One side's cookies: the browser's `document.cookie`, or an h3 request and its response. */
export interface CookieJar {
  /** The cookie's value now (URI-decoded), or null. */
  read(name: string): string | null
  /** Sets (or with `null` removes) the cookie with the configured attributes, at once. */
  write(cookie: CookieRuntimeConfig, value: string | null): void
  /**
   * Server-side sessions (the tokens kept in Nitro storage, not in cookies): spends the refresh token once per
   * session across every request and server instance (a lock in the storage) and stores the answer.
   */
  refreshExclusive?(refresh: () => Promise<TokenResult>): Promise<void>
  /**
   * Server-side sessions: stores what this request wrote (`session`: a new session for that sign-in's user;
   * `signedOut`: the session cookie goes too).
   */
  commit?(outcome?: CommitOutcome): Promise<void>
  /**
   * Server-side sessions: takes the tokens stored now, once a refresh another request of the session has under way
   * (its lock) is done: what a sign-out must tell the backend of.
   */
  settle?(): Promise<void>
  /** The most a cookie of this jar may hold, its name and value, in bytes: browsers drop a larger one without a word. */
  maxCookieBytes?: number
}

/** What a request that commits did: signed in (with the new session), or signed out. */
export type CommitOutcome = { session: unknown } | { signedOut: true }

/** What every browser stores of one cookie, its name and value (RFC 6265 asks for at least this; Chrome and Firefox stop there). */
export const BROWSER_COOKIE_BYTES = 4096

export interface TokenWrite {
  /** `undefined` leaves the cookie alone; `null` or `''` removes it. */
  token?: string | null
  refreshToken?: string | null
}

/**
 * The only reader and writer of the token cookies on one side. Every read goes to the jar at the moment of
 * use (another tab, or a response of this request, may have changed it), and every write goes to the jar
 * synchronously, so nothing can put a value back later.
 */
export interface TokenStore {
  /** The cookies are httpOnly: page scripts cannot read them, so every refresh is the server's. */
  readonly httpOnly: boolean
  token(): string | null
  refreshToken(): string | null
  write(tokens: TokenWrite): void
  clear(): void
  /** Set when the tokens live in server-side session storage: a refresh goes through it (see CookieJar). */
  refreshExclusive?: (refresh: () => Promise<TokenResult>) => Promise<void>
  /** Stores what this request wrote where the jar keeps it for longer than the response (server-side sessions); else nothing to do. */
  commit(outcome?: CommitOutcome): Promise<void>
  /** Takes the tokens stored now where the jar keeps them for longer than a response (see CookieJar.settle). */
  settle?(): Promise<void>
  /** The access token's header (`{ name: 'Authorization', value: 'Bearer …' }`) for `token`, by default the stored one. */
  authorization(token?: string | null): { name: string, value: string } | null
  /**
   * From now on this request neither reads nor writes the tokens: another request of the browser (a sign-in, a
   * sign-out) replaced them while this one was refreshing them. Its answer, reaching the browser after that one's,
   * would set the previous user's successor again, or delete the new user's cookies.
   */
  detach(): void
}

export interface TokenCookies {
  token: TokenRuntimeConfig | null
  refreshToken: TokenRuntimeConfig | null
}

/**
 * What an HTTP header can carry as a token: visible ASCII. A cookie holding anything else (a forged
 * `auth.token=a%0Ab`, a NUL, non-Latin-1 text) could never be sent to the backend.
 */
const SENDABLE = /^[\x21-\x7E]+$/

/** Whether `value` can be a token: one run of visible ASCII, as a header carries it. */
export const isSendableToken = (value: string) => SENDABLE.test(value)

export function createTokenStore(jar: CookieJar, cookies: TokenCookies): TokenStore {
  // Per cookie, the last value found sendable: a render reads the same cookie several times, and the test walks
  // the whole token.
  const sendable = new Map<string, string>()
  // A token that cannot be sent is no token: it is removed, so nothing waits on a check that cannot happen.
  const read = (config: TokenRuntimeConfig | null) => {
    const value = config ? jar.read(config.cookie.name) : null
    if (value === null || sendable.get(config!.cookie.name) === value) return value
    if (isSendableToken(value)) {
      sendable.set(config!.cookie.name, value)
      return value
    }
    jar.write(config!.cookie, null)
    return null
  }
  const write = (config: TokenRuntimeConfig | null, value: string | null | undefined) => {
    if (config && value !== undefined) jar.write(config.cookie, value || null)
  }
  return {
    httpOnly: Boolean(cookies.refreshToken?.cookie.httpOnly),
    refreshExclusive: jar.refreshExclusive,
    commit: async outcome => await jar.commit?.(outcome),
    settle: async () => await jar.settle?.(),
    token: () => read(cookies.token),
    refreshToken: () => read(cookies.refreshToken),
    write(tokens) {
      // Both checked before either is written: half a pair stored would be worse than none.
      assertUsable(jar, cookies.token, tokens.token, 'access token')
      assertUsable(jar, cookies.refreshToken, tokens.refreshToken, 'refresh token')
      write(cookies.token, tokens.token)
      write(cookies.refreshToken, tokens.refreshToken)
    },
    clear() {
      write(cookies.token, null)
      write(cookies.refreshToken, null)
    },
    authorization(token = read(cookies.token)) {
      if (!token || !cookies.token) return null
      return { name: cookies.token.headerName, value: formatAuthorization(cookies.token.type, token) }
    },
    // The jar as page scripts see httpOnly cookies: nothing to read, writes ignored.
    detach: () => {
      jar = unreadableJar
    },
  }
}

/**
 * A token that could never be sent, or that its cookie cannot hold (an identity provider's token with many claims),
 * fails here with the fix, instead of a sign-in forgotten by the next read (the store drops an unsendable token) or
 * the next page (the browser drops an oversized cookie and says nothing).
 */
function assertUsable(jar: CookieJar, config: TokenRuntimeConfig | null, value: string | null | undefined, what: string) {
  if (!config || !value) return
  assertSendable(value, what)
  if (!jar.maxCookieBytes) return
  // URI-encoded as the jars write it: ASCII, so its length is its size in bytes (names are checked at build time).
  const bytes = config.cookie.name.length + 1 + encodeURIComponent(value).length
  if (bytes <= jar.maxCookieBytes) return
  throw new AuthError('BAD_RESPONSE', `The ${what} makes a ${bytes}-byte cookie (${config.cookie.name}); browsers drop cookies over ${jar.maxCookieBytes} bytes. Issue smaller tokens, or use auth.sessions`)
}

/**
 * A token that could never be sent fails where it would be stored (a cookie, a server-side session), instead of a
 * sign-in or refresh the next read drops without a word. Tokens come from the backend's answers, or from app code
 * (`setToken`).
 */
export function assertSendable(value: string, what: string) {
  if (!isSendableToken(value)) throw new AuthError('BAD_RESPONSE', `The ${what} holds a character no header can carry (a space: store it without "Bearer ")`)
}

/** A jar that holds nothing and ignores writes: httpOnly cookies seen from page scripts. */
export const unreadableJar: CookieJar = {
  read: () => null,
  write: () => {},
}

/**
 * A session (or an error's body) as it may leave the server (a render's payload, a relay route's answer): without the
 * tokens of `tokens`, their header value, nor any other token the request `sent`, wherever a backend echoed them in it
 * (`{ user, accessToken }`). Page scripts never get a token through it: with httpOnly cookies that would undo them,
 * and a page's HTML is no place for one.
 */
export function withoutTokenValues<T>(session: T, tokens: HeldTokens, sent?: ReadonlyArray<string | null | undefined>): T {
  const values = heldTokenValues(tokens, sent)
  return values.size === 0 ? session : withoutValues(session, values) as T
}

type HeldTokens = Pick<TokenStore, 'authorization'> & Partial<Pick<TokenStore, 'token' | 'refreshToken'>>

/** The token values a store holds (the access and refresh token, the header value), and those `sent`, non-empty. */
export function heldTokenValues(tokens: HeldTokens, sent?: ReadonlyArray<string | null | undefined>): Set<string> {
  const held = [tokens.token?.(), tokens.refreshToken?.(), tokens.authorization()?.value]
  return new Set((sent ? held.concat(sent) : held).filter((value): value is string => Boolean(value)))
}
