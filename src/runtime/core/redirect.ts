/**
 * The one sanitiser every redirect target passes through (callbackUrl, ?redirect=, navigateAuthenticatedTo,
 * signOut callbackUrl). Open redirects are CWE-601; RFC 9700 §4.11.1.
 *
 * Accepted: a same-origin path starting with exactly one `/` (query and hash kept), or an absolute URL whose
 * origin is the app's own (turned into a path, so the router does not treat it as external) or on
 * `allowedOrigins`. Everything else yields `fallback`: rejection is not an error for the user.
 */
export interface RedirectPolicy {
  /** Where to go when the target is rejected. Must itself be a safe path. */
  fallback: string
  /** The app's own origin (`https://app.example`), used to accept absolute same-origin URLs. */
  origin?: string
  /** Other origins that may be redirected to (`https://accounts.example`). Exact origin match. */
  allowedOrigins?: readonly string[]
  /**
   * The app's base path (`app.baseURL`, `/shop/`): a same-origin absolute URL is a document's address, under it,
   * while a path target is the app's own (the router adds the base). Such a URL outside the base is no page of
   * this app and is rejected.
   * @default '/'
   */
  base?: string
}

export interface SanitizedRedirect {
  /** A path (`/a?b#c`) or, only for allow-listed origins, an absolute URL. */
  url: string
  /** True when `url` is absolute on another (allow-listed) origin: navigate with `external: true`. */
  external: boolean
  /** True when the given target was rejected and `url` is the fallback. */
  rejected: boolean
}

// A base no real target can have: resolving against it tells whether a relative target escapes the origin.
const PROBE_ORIGIN = 'http://gatekeeper.invalid'
// C0 controls, DEL, and C1 controls: browsers strip or misparse them (`\t//evil.com` becomes `//evil.com`).
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001F\u007F-\u009F]/
const MAX_DECODE_ROUNDS = 3
const ENCODED_PATH_SYNTAX = /%(?:2e|2f|5c)/i

export function sanitizeRedirect(target: unknown, policy: RedirectPolicy): SanitizedRedirect {
  const checked = check(target, policy)
  if (checked) return { ...checked, rejected: false }
  const fallback = check(policy.fallback, { ...policy, allowedOrigins: [] })
  return { url: fallback?.url ?? '/', external: false, rejected: true }
}

function check(target: unknown, policy: RedirectPolicy): { url: string, external: boolean } | null {
  if (typeof target !== 'string' || target.length === 0 || target.length > 2048) return null
  if (!plausibleWhenDecoded(target)) return null

  if (target.startsWith('/')) {
    if (target.startsWith('//')) return null
    const resolved = safeUrl(target, PROBE_ORIGIN)
    if (!resolved || resolved.origin !== PROBE_ORIGIN) return null
    return appPath(resolved)
  }

  const absolute = safeUrl(target)
  if (!absolute || (absolute.protocol !== 'https:' && absolute.protocol !== 'http:')) return null
  // A target spelled without `//` (`https:evil.com`) is parsed differently by some routers; accept only the canonical form.
  if (!/^https?:\/\/[^/\\]/i.test(target) || absolute.username || absolute.password) return null
  if (policy.origin && absolute.origin === normalizeOrigin(policy.origin)) return underBase(appPath(absolute), policy.base)
  const allowed = (policy.allowedOrigins ?? []).map(normalizeOrigin)
  if (allowed.includes(absolute.origin)) return { url: absolute.href, external: true }
  return null
}

/**
 * The same-origin path of a parsed URL, checked once more: normalisation collapses dot segments, so
 * `/..//evil.com` parses to the path `//evil.com`, which a browser would read as another host.
 */
function appPath(url: URL): { url: string, external: false } | null {
  const path = url.pathname + url.search + url.hash
  if (!path.startsWith('/') || !decodedVariants(url.pathname).every(isPlausible)) return null
  return { url: path, external: false }
}

/** A document path as the app's path: without the app's base, or null outside it. */
function underBase(checked: { url: string, external: false } | null, base = '/'): { url: string, external: false } | null {
  const prefix = base.replace(/\/+$/, '')
  if (!checked || !prefix) return checked
  const rest = checked.url.slice(prefix.length)
  // `/shop//evil.example` is under `/shop`, and `//evil.example` another host's address.
  if (!checked.url.startsWith(prefix) || !(rest === '' || /^[/?#]/.test(rest)) || rest.startsWith('//')) return null
  return { url: rest.startsWith('/') ? rest : `/${rest}`, external: false }
}

/**
 * Every percent-decoded form of the target passes on its own. The path decides where a navigation lands, so its
 * forms are decoded strictly: a malformed escape or one still there after the last round is refused. The query and
 * hash are data: a value such as `q=100%25` has a form (`100%`) that no longer decodes, which is where decoding
 * ends for them, not a reason to refuse the target; their forms are only checked for control characters.
 */
function plausibleWhenDecoded(target: string): boolean {
  const pathEnd = target.search(/[?#]/)
  if (pathEnd === -1) return decodedVariants(target).every(isPlausible)
  return decodedVariants(target.slice(0, pathEnd)).every(isPlausible)
    && decodedVariants(target, true).every(variant => !CONTROL_CHARS.test(variant))
}

/**
 * The target and its percent-decoded forms: a router or server may decode once more before navigating (Nuxt's
 * client-side navigateTo does: `%252F` arrives as `%2F`). `lenient`: decoding ends at a malformed escape instead
 * of refusing the target.
 */
function decodedVariants(target: string, lenient = false): string[] {
  const variants = [target]
  let current = target
  // One round more than is checked: a target still encoded after the last one is refused, not let through.
  for (let round = 0; round <= MAX_DECODE_ROUNDS; round++) {
    let decoded: string
    try {
      decoded = decodeURIComponent(current)
    }
    catch {
      // Malformed escapes: a router would fail on them as well.
      return lenient ? variants : [...variants, '\u0000']
    }
    if (decoded === current) break
    if (round === MAX_DECODE_ROUNDS) return lenient ? variants : [...variants, '\u0000']
    variants.push(decoded)
    current = decoded
  }
  return variants
}

function isPlausible(variant: string): boolean {
  if (CONTROL_CHARS.test(variant)) return false
  const pathPart = variant.split(/[?#]/, 1)[0]!
  // `/\evil.com` and `\\evil.com` are `//evil.com` to a browser; a backslash has no business in our paths.
  if (pathPart.includes('\\')) return false
  // A percent-encoded dot, slash or backslash changes the path's shape once something decodes it
  // (`/%2e%2e%2f%2fevil.example` is `/..//evil.example`): no legitimate target of ours needs one.
  if (ENCODED_PATH_SYNTAX.test(pathPart)) return false
  if (variant.startsWith('//')) return false
  // Dot segments that only a decode revealed: `/..//evil.example` resolves to the path `//evil.example`.
  if (variant.startsWith('/') && safeUrl(pathPart, PROBE_ORIGIN)?.pathname.startsWith('//')) return false
  return true
}

function safeUrl(input: string, base?: string): URL | null {
  try {
    return new URL(input, base)
  }
  catch {
    return null
  }
}

function normalizeOrigin(origin: string): string {
  return safeUrl(origin)?.origin ?? origin
}
