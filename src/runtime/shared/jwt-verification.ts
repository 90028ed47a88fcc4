import { createPublicKey } from 'node:crypto'
import { createRemoteJWKSet, customFetch, errors as joseErrors, importSPKI, jwtVerify, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose'
import { AuthError } from '../core/errors'
import { readPointer } from '../core/pointer'
import { createExpiringCache, sha256HexSync, type ExpiringCache } from './expiring-cache'
import { issuerTimePassed, localTimeOf, serverIssuerClock } from './server-issuer-clock'
import { copier, sessionCacheEnabled, type SessionCacheSettings } from './session-cache'

/**
 * `runtimeConfig.auth.jwtVerification`: the server verifies the access token itself instead of asking the
 * backend's session endpoint (stateless sessions). Empty strings are "not set", so each can come from the
 * environment (NUXT_AUTH_JWT_VERIFICATION_SECRET, …_PUBLIC_KEY, …_JWKS_URL, …).
 */
export interface JwtVerificationSettings {
  /** Set when the app configured `auth.jwtVerification`: then a key must be there at run time. */
  enabled: boolean
  secret: string
  publicKey: string
  jwksUrl: string
  /** A string, or a comma-separated list (environment) / array. Empty: not checked. */
  issuer: string | string[]
  audience: string | string[]
  /** The `typ` header the token must carry. Empty: not checked. */
  typ: string
  algorithms: string | string[]
  /** Where the session is in the claims. */
  sessionPointer: string
  clockToleranceSeconds: number
  jwksCooldownSeconds: number
}

/** The env variables, for messages. */
export const JWT_ENV = {
  secret: 'NUXT_AUTH_JWT_VERIFICATION_SECRET',
  publicKey: 'NUXT_AUTH_JWT_VERIFICATION_PUBLIC_KEY',
  jwksUrl: 'NUXT_AUTH_JWT_VERIFICATION_JWKS_URL',
} as const

/** jose failures that are a verdict on the token (bad, expired, not for us): nobody is signed in with it. */
const TOKEN_REFUSED: ReadonlySet<string> = new Set([
  joseErrors.JWTExpired.code,
  joseErrors.JWTClaimValidationFailed.code,
  joseErrors.JWTInvalid.code,
  joseErrors.JWSInvalid.code,
  joseErrors.JWSSignatureVerificationFailed.code,
  joseErrors.JOSEAlgNotAllowed.code,
  joseErrors.JOSENotSupported.code,
  joseErrors.JWKSNoMatchingKey.code,
  joseErrors.JWKSMultipleMatchingKeys.code,
])

/**
 * Seconds by which the issuer's clock as this process estimates it may be off: core/clock.ts takes differences
 * under 2 s for none. Always allowed for `exp` and `nbf`, whatever `clockToleranceSeconds` says.
 */
const ISSUER_CLOCK_SLACK_S = 2

/** The tolerance jose applies to `exp` and `nbf` (seconds). */
const toleranceSeconds = (settings: JwtVerificationSettings) => Math.max(settings.clockToleranceSeconds, ISSUER_CLOCK_SLACK_S)

const HMAC = ['HS256', 'HS384', 'HS512']
const BY_KEY_TYPE: Record<string, string[]> = {
  'rsa': ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
  'rsa-pss': ['PS256', 'PS384', 'PS512'],
  'ec': ['ES256', 'ES384', 'ES512'],
  'ed25519': ['EdDSA', 'Ed25519'],
}
// An EC key verifies the one algorithm of its curve (RFC 7518 §3.4).
const BY_CURVE: Record<string, string> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' }
const ASYMMETRIC = [...BY_KEY_TYPE.rsa!, ...BY_KEY_TYPE.ec!, ...BY_KEY_TYPE.ed25519!]

/** A JWKS fetched again for an unknown `kid` at most this often, whatever the cooldown (key rotation). */
const FORCED_RELOAD_MS = 1000

function list(value: string | string[] | undefined): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : []
  return items.map(item => String(item).trim()).filter(Boolean)
}

interface Verifier {
  key: Uint8Array | JWTVerifyGetKey
  options: JWTVerifyOptions
  pointer: string
  /** The remote key set, when there is one (reloaded for an unknown `kid`). */
  jwks?: ReturnType<typeof createRemoteJWKSet>
  lastForcedReload: number
  /** Counts the key set's fetches: a session verified before the latest one began is verified again. */
  keySetFetches: number
  /** Sessions of tokens verified lately, by the token's hash (see verifiedSession). */
  verified?: ExpiringCache<VerifiedEntry>
}

interface VerifiedEntry {
  copy: () => unknown
  /** `keySetFetches` when it was verified. */
  keySetFetches: number
  /** The token's `exp` (ms, the issuer's clock): checked again on each hit, since the estimate of that clock may move. */
  expiresAt: number
}

/** A kept entry that still holds: no key set fetched since, and not expired by the issuer's clock as known now. */
function stillHolds(entry: VerifiedEntry | undefined, verifier: Verifier): entry is VerifiedEntry {
  return entry !== undefined && entry.keySetFetches === verifier.keySetFetches && !issuerTimePassed(entry.expiresAt)
}

// One verifier per configuration, per process: the JWKS cache lives in it. Keyed by content, since runtime config
// is copied per request; on globalThis, since the Nuxt server app and Nitro's routes are bundled apart.
const STORE = Symbol.for('nuxt-gatekeeper:jwt-verifiers')
const holder = globalThis as { [STORE]?: Map<string, Verifier> }

// The process's settings are one object (server-settings.ts): found by identity, a request skips the key's JSON.
const byObject = new WeakMap<JwtVerificationSettings, Verifier>()

function verifierFor(settings: JwtVerificationSettings): Verifier {
  const same = byObject.get(settings)
  if (same) return same
  const verifiers = holder[STORE] ??= new Map()
  const id = JSON.stringify(settings)
  const known = verifiers.get(id)
  if (known) {
    byObject.set(settings, known)
    return known
  }
  const configured = (['secret', 'publicKey', 'jwksUrl'] as const).filter(name => settings[name])
  if (configured.length !== 1) {
    const problem = configured.length === 0 ? 'has no key' : `has ${configured.join(' and ')}: give exactly one`
    throw new AuthError('BAD_RESPONSE', `auth.jwtVerification ${problem}. Set one of ${Object.values(JWT_ENV).join(', ')} (or the option of the same name)`)
  }
  const wanted = list(settings.algorithms)
  const pem = settings.publicKey.replace(/\\n/g, '\n')
  // By default only what the key can verify: a token naming another algorithm is refused (401), and a key that
  // does not import for one of its own is the configuration's fault (no verdict).
  const verifiable = settings.publicKey ? keyAlgorithms(pem) : null
  const algorithms = wanted.length > 0 ? wanted : settings.secret ? HMAC : verifiable ?? ASYMMETRIC
  let key: Verifier['key']
  let jwks: Verifier['jwks']
  if (settings.secret) {
    // Imported once per algorithm: given raw bytes, jose would import the key again for every token.
    const raw = new TextEncoder().encode(settings.secret)
    const imported = new Map<string, Promise<CryptoKey>>()
    key = (header) => {
      const alg = header.alg ?? ''
      if (!imported.has(alg)) imported.set(alg, crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: `SHA-${alg.slice(2)}` }, false, ['verify']))
      return imported.get(alg)!
    }
  }
  else if (settings.publicKey) {
    // A PEM key works with each algorithm of its type; jose imports it for the one the token names. A token naming
    // one the key cannot verify (another curve's, listed in `algorithms` or not) was not signed with it: refused.
    const imported = new Map<string, ReturnType<typeof importSPKI>>()
    key = (header) => {
      const alg = header.alg ?? ''
      if (verifiable && !verifiable.includes(alg)) throw new joseErrors.JOSEAlgNotAllowed(`The configured key cannot verify "${alg}"`)
      if (!imported.has(alg)) imported.set(alg, importSPKI(pem, alg))
      return imported.get(alg)!
    }
  }
  else {
    // Fetched and cached by jose; an unknown `kid` fetches again (key rotation), at most once per cooldown.
    // Every fetch is counted: the sessions verified with the set it replaces are not trusted any more.
    jwks = createRemoteJWKSet(new URL(settings.jwksUrl), {
      cooldownDuration: settings.jwksCooldownSeconds * 1000,
      [customFetch]: (url, init) => {
        verifier.keySetFetches++
        return fetch(url, init)
      },
    })
    key = jwks
  }
  const issuer = list(settings.issuer)
  const audience = list(settings.audience)
  const verifier: Verifier = {
    key,
    jwks,
    lastForcedReload: 0,
    keySetFetches: 0,
    options: {
      algorithms,
      // A token that never expires is no session token.
      requiredClaims: ['exp'],
      issuer: issuer.length > 0 ? issuer : undefined,
      audience: audience.length > 0 ? audience : undefined,
      // jose compares it as a media type: 'at+jwt' also matches 'application/at+jwt', in any case.
      typ: settings.typ?.trim() || undefined,
      // Clocks differ by less than the issuer's estimate corrects for (ISSUER_CLOCK_SLACK_S): a token issued just now
      // with `nbf = iat` must not be "not yet valid" (see verifyWithKey for larger differences).
      clockTolerance: toleranceSeconds(settings),
    },
    pointer: settings.sessionPointer || '/',
  }
  // A configuration changes only with a new deployment; bounded all the same.
  if (verifiers.size >= 16) verifiers.clear()
  verifiers.set(id, verifier)
  byObject.set(settings, verifier)
  return verifier
}

/** The algorithms a PEM public key can verify (by its type; for EC, its curve); null when it is no key or of a kind not known here. */
function keyAlgorithms(pem: string): string[] | null {
  try {
    const key = createPublicKey(pem)
    if (key.asymmetricKeyType === 'ec') {
      const alg = BY_CURVE[key.asymmetricKeyDetails?.namedCurve ?? '']
      return alg ? [alg] : null
    }
    return BY_KEY_TYPE[key.asymmetricKeyType ?? ''] ?? null
  }
  catch {
    // Not a key: every token fails to import it below, which is reported as the configuration's fault.
    return null
  }
}

export function jwtVerificationEnabled(settings: JwtVerificationSettings | undefined): settings is JwtVerificationSettings {
  return Boolean(settings && (settings.enabled || settings.secret || settings.publicKey || settings.jwksUrl))
}

/** Where this verifier keeps verified sessions, or undefined when the session cache is off. */
function verifiedCache(verifier: Verifier, cache: SessionCacheSettings | undefined): ExpiringCache<VerifiedEntry> | undefined {
  if (!sessionCacheEnabled(cache)) return undefined
  if (verifier.verified?.capacity !== cache.maxEntries) verifier.verified = createExpiringCache(cache.maxEntries)
  return verifier.verified
}

/**
 * The session of a token verified lately, without verifying or waiting (a server render's cache hit needs no
 * promise); undefined when it must be verified.
 */
export function peekVerifiedSession(token: string, settings: JwtVerificationSettings, cache: SessionCacheSettings): { session: unknown } | undefined {
  // A configuration without a usable key: verifiedSession reports it (a 503 naming the variables), not a throw here.
  let verifier: Verifier
  try {
    verifier = verifierFor(settings)
  }
  catch {
    return undefined
  }
  const key = sha256HexSync(token)
  const hit = key === undefined ? undefined : verifiedCache(verifier, cache)?.get(key)
  return stillHolds(hit, verifier) ? { session: hit.copy() } : undefined
}

/**
 * The session in a verified access token's claims. A bad, expired, foreign or unsigned token is
 * `UNAUTHORIZED` (a verdict); a JWKS that cannot be fetched is `NETWORK`/`TIMEOUT` (no verdict).
 *
 * With `cache` (the server's session cache), a token's session is kept for `maxAge` seconds, never past its
 * expiry (when the server would refresh it, or verification refuse it), keyed by the token's hash: a page
 * render, and each API call of it, then costs a hash instead of a signature check. A fetch of the JWKS drops
 * what was verified before it, so a key the issuer retired stops working as soon as the server has the new set.
 * Only sessions are kept; a refused token is verified again each time.
 */
export async function verifiedSession(token: string, settings: JwtVerificationSettings, cache?: SessionCacheSettings): Promise<unknown> {
  const verifier = verifierFor(settings)
  const entries = verifiedCache(verifier, cache)
  const key = entries && sha256HexSync(token)
  const hit = key === undefined ? undefined : entries!.get(key)
  if (stillHolds(hit, verifier)) return hit.copy()
  const fetchesBefore = verifier.keySetFetches
  const fetchingBefore = verifier.jwks?.reloading
  try {
    const { payload } = await verify(token, verifier)
    const session = readPointer(payload, verifier.pointer)
    if (!session.found || typeof session.value !== 'object' || session.value === null) {
      throw new AuthError('BAD_RESPONSE', `The verified token has no session object at auth.jwtVerification.sessionPointer ${JSON.stringify(verifier.pointer)}`)
    }
    // Kept only when one key set verified it throughout: none was being fetched when the check began, and no fetch
    // began during it (one under way now is one of the two).
    if (key !== undefined && !fetchingBefore && fetchesBefore === verifier.keySetFetches) {
      // Not past the moment the server takes it for expired (it refreshes from there: app/session.ts, a cache hit
      // asks no refresher), by the issuer's clock as this process knows it, nor past jose's refusal by this machine's
      // (`exp` plus the tolerance; exp is required, so it is there). Refused by both, it is refused (verifyWithKey).
      const expiresAt = (payload.exp ?? 0) * 1000
      const until = Math.min(Date.now() + cache!.maxAge * 1000, localTimeOf(expiresAt), expiresAt + toleranceSeconds(settings) * 1000)
      if (until > Date.now()) entries!.set(key, { copy: copier(session.value), keySetFetches: fetchesBefore, expiresAt }, until)
    }
    return session.value
  }
  catch (error) {
    if (error instanceof AuthError) throw error
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string' && TOKEN_REFUSED.has(code)) {
      throw new AuthError('UNAUTHORIZED', `The access token failed verification (${code})`, { status: 401, cause: error })
    }
    if (code === joseErrors.JWKSTimeout.code) throw new AuthError('TIMEOUT', `The JWKS at ${settings.jwksUrl} did not answer in time`, { cause: error })
    const reason = (error as Error)?.message ?? String(error)
    // No verdict on the user: the key set could not be had, or the configured key cannot be used.
    if (settings.jwksUrl) throw new AuthError('NETWORK', `The JWKS at ${settings.jwksUrl} could not be used: ${reason}`, { cause: error })
    throw new AuthError('BAD_RESPONSE', `auth.jwtVerification: the configured key could not verify a token (${reason}); check the key and auth.jwtVerification.algorithms`, { cause: error })
  }
}

/**
 * jose's verification; for a `kid` the cached JWKS does not have, the set is fetched again at once (at most
 * once a second) rather than after jose's cooldown: an issuer that just rotated its key must not sign users out.
 */
async function verify(token: string, verifier: Verifier) {
  try {
    return await verifyWithKey(token, verifier)
  }
  catch (error) {
    const now = Date.now()
    if (!verifier.jwks || (error as { code?: unknown }).code !== joseErrors.JWKSNoMatchingKey.code || now - verifier.lastForcedReload < FORCED_RELOAD_MS) throw error
    verifier.lastForcedReload = now
    await verifier.jwks.reload()
    return await verifyWithKey(token, verifier)
  }
}

/**
 * `exp` and `nbf` are the issuer's times. Judged by this machine's clock first (as before the process knew the
 * issuer's); a token refused for its time only is judged again by the issuer's clock as this process estimates it
 * from the tokens it got: a server whose clock runs behind an issuer that writes `nbf = iat` would find a token issued
 * just now not valid yet. Refused only when neither clock takes it, so an estimate gone wrong (one odd `iat`) signs
 * nobody out either.
 */
async function verifyWithKey(token: string, verifier: Verifier) {
  try {
    return await verifyWithKeyAt(token, verifier)
  }
  catch (error) {
    const { code, claim } = error as { code?: unknown, claim?: unknown }
    const forItsTime = code === joseErrors.JWTExpired.code || (code === joseErrors.JWTClaimValidationFailed.code && claim === 'nbf')
    if (!forItsTime || serverIssuerClock().offset() === 0) throw error
    return await verifyWithKeyAt(token, verifier, new Date(serverIssuerClock().now()))
  }
}

/**
 * jose's `jwtVerify` at `currentDate` (default: now) with the configured key, or with each key of the set that may
 * have signed the token: a token whose header names no single key (no `kid`, as many issuers sign) while the set
 * holds two of its kind (the next key published beside the current one, before a rotation) makes jose hand the
 * candidates back; it is refused only when none of them verifies it. Else every user would be signed out for as
 * long as the two keys overlap.
 */
async function verifyWithKeyAt(token: string, verifier: Verifier, currentDate?: Date) {
  const options = currentDate ? { ...verifier.options, currentDate } : verifier.options
  try {
    // (Two overloads in jose's types, one for a key and one for a key getter.)
    return await jwtVerify(token, verifier.key as Uint8Array, options)
  }
  catch (error) {
    if ((error as { code?: unknown }).code !== joseErrors.JWKSMultipleMatchingKeys.code) throw error
    for await (const candidate of error as AsyncIterable<CryptoKey>) {
      try {
        return await jwtVerify(token, candidate, options)
      }
      catch (failure) {
        if ((failure as { code?: unknown }).code !== joseErrors.JWSSignatureVerificationFailed.code) throw failure
      }
    }
    throw new joseErrors.JWSSignatureVerificationFailed()
  }
}
