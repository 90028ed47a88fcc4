import { jwtVerificationEnabled, verifiedSession, type JwtVerificationSettings } from './jwt-verification'
import { cachedSession, sessionCacheEnabled, type SessionCacheSettings } from './session-cache'
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

export type ServerSessionLookup = (token: string, askBackend: () => Promise<unknown>) => Promise<unknown>

/**
 * One answer for SSR and the server utilities: the token verified here when `auth.jwtVerification` is set (no
 * backend call), else the backend's session endpoint through the short-lived session cache (unless `cache:
 * false`: a browser's own check wants the backend's answer now), else the backend.
 */
export function serverSessionLookup(settings: ServerSessionSettings | undefined, { cache: useCache = true }: { cache?: boolean } = {}): ServerSessionLookup {
  const jwt = settings?.jwtVerification
  if (jwtVerificationEnabled(jwt)) return token => verifiedSession(token, jwt)
  const cache = settings?.sessionCache
  if (useCache && sessionCacheEnabled(cache)) return (token, askBackend) => cachedSession(token, cache, askBackend)
  return (_token, askBackend) => askBackend()
}
