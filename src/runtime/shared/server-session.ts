import { jwtVerificationEnabled, peekVerifiedSession, verifiedSession, type JwtVerificationSettings } from './jwt-verification'
import { cachedSession, peekCachedSession, sessionCacheEnabled, type SessionCacheSettings } from './session-cache'
import { serverSettings } from './server-settings'

/** The server-only settings (see server-settings.ts) that decide how the server learns whose token it holds. */
export interface ServerSessionSettings {
  sessionCache?: SessionCacheSettings
  jwtVerification?: JwtVerificationSettings
}

/** The lookup with this process's settings (SSR asks this one). */
export function processSessionLookup(): ServerSessionLookup {
  return serverSessionLookup(serverSettings())
}

export interface ServerSessionLookup {
  (token: string, askBackend: () => Promise<unknown>): Promise<unknown>
  /** The session for this token if the server already has it at hand (a cache hit), without waiting; else undefined. */
  peek?: (token: string) => { session: unknown } | undefined
}

/**
 * One answer for SSR and the server utilities: the token verified here when `auth.jwtVerification` is set (no
 * backend call), else the backend's session endpoint; either through the short-lived session cache (unless
 * `cache: false`: a browser's own check wants the answer of now).
 */
export function serverSessionLookup(settings: ServerSessionSettings | undefined, { cache: useCache = true }: { cache?: boolean } = {}): ServerSessionLookup {
  const jwt = settings?.jwtVerification
  const cache = settings?.sessionCache
  if (jwtVerificationEnabled(jwt)) {
    if (!useCache || !sessionCacheEnabled(cache)) return token => verifiedSession(token, jwt)
    const lookup: ServerSessionLookup = token => verifiedSession(token, jwt, cache)
    lookup.peek = token => peekVerifiedSession(token, jwt, cache)
    return lookup
  }
  if (useCache && sessionCacheEnabled(cache)) {
    const lookup: ServerSessionLookup = (token, askBackend) => cachedSession(token, cache, askBackend)
    lookup.peek = token => peekCachedSession(token, cache)
    return lookup
  }
  return (_token, askBackend) => askBackend()
}
