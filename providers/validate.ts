import type { OptionIssue } from './types'

// One HTTP token (RFC 9110 §5.6.2): HTTP_TOKEN in core/protocol.ts, written out here because the compiled providers
// load in Node at build time and cannot import the runtime's files.
const HTTP_TOKEN = /^[!#$%&'*+\-.^\w`|~]+$/

/** Small checks shared by providers' `resolve`; each pushes an issue naming the key and the fix. */
export class OptionChecker {
  readonly issues: OptionIssue[] = []
  constructor(private readonly root: string) {}

  key(path: string) {
    return `${this.root}.${path}`
  }

  fail(path: string, problem: string, fix: string) {
    this.issues.push({ key: this.key(path), problem, fix })
  }

  pointer(path: string, value: unknown, { optional = false } = {}) {
    if (value === undefined && optional) return
    if (typeof value !== 'string' || (value !== '' && !value.startsWith('/'))) {
      this.fail(path, `must be a JSON pointer (RFC 6901), got ${JSON.stringify(value)}`, `start it with "/", e.g. "/token" for { token: "..." } or "/" for the whole body`)
    }
  }

  /** An endpoint `{ path, method }` or false; either key may be left out (the provider's default fills it, as with the incumbent). */
  endpoint(path: string, value: unknown) {
    if (value === false) return
    if (typeof value !== 'object' || value === null) {
      this.fail(path, `must be an object { path, method } or false, got ${JSON.stringify(value)}`, `set it to { path: '/…', method: 'post' }, or false to disable the endpoint`)
      return
    }
    const endpoint = value as { path?: unknown, method?: unknown }
    if (endpoint.path !== undefined && (typeof endpoint.path !== 'string' || endpoint.path.length === 0)) {
      this.fail(`${path}.path`, `must be a path relative to baseURL or a full URL, got ${JSON.stringify(endpoint.path)}`, `give the endpoint a path relative to baseURL (e.g. '/session') or a full URL, or leave it out for the default`)
    }
    if (endpoint.method !== undefined && !(typeof endpoint.method === 'string' && /^(?:get|post|put|patch|delete)$/i.test(endpoint.method))) {
      this.fail(`${path}.method`, `is not an HTTP method: ${JSON.stringify(endpoint.method)}`, `use one of 'get', 'post', 'put', 'patch', 'delete'`)
    }
  }

  /** The incumbent's `session.dataType`: an object whose leaves are TypeScript types written as strings. */
  sessionDataType(path: string, value: unknown) {
    if (value === undefined) return
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(path, `must be an object of field names to TypeScript types, got ${JSON.stringify(value)}`, `write e.g. { id: 'string', email: 'string' }`)
      return
    }
    for (const [field, type] of Object.entries(value)) {
      if (typeof type === 'object') this.sessionDataType(`${path}.${field}`, type)
      else if (typeof type !== 'string' || !isTypeExpression(type)) {
        this.fail(`${path}.${field}`, `must be one TypeScript type written as a string, got ${JSON.stringify(type)}`, `write e.g. 'string', 'number' or "'admin' | 'user'"`)
      }
    }
  }

  /** A group of options (`token: { … }`): an object or left out. False (and reported once, here) otherwise. */
  group(path: string, value: unknown): boolean {
    if (value === undefined || (typeof value === 'object' && value !== null && !Array.isArray(value))) return true
    this.fail(path, `must be an object of options, got ${JSON.stringify(value)}`, `write ${this.key(path)}: { … } with its options, or leave it out`)
    return false
  }

  /** Seconds of a cookie's Max-Age, which is whole seconds: below 1 it would be written as 0, deleting the cookie. */
  positiveNumber(path: string, value: unknown) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 1) {
      this.fail(path, `must be a number of seconds, at least 1, got ${JSON.stringify(value)}`, 'set a positive number, e.g. 1800')
    }
  }

  boolean(path: string, value: unknown) {
    if (typeof value !== 'boolean') this.fail(path, `must be true or false, got ${JSON.stringify(value)}`, 'set true or false')
  }

  string(path: string, value: unknown, { allowEmpty = true } = {}) {
    if (typeof value !== 'string' || (!allowEmpty && value.length === 0)) {
      this.fail(path, `must be a${allowEmpty ? '' : ' non-empty'} string, got ${JSON.stringify(value)}`, 'set a string')
    }
  }

  path(path: string, value: unknown) {
    if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || /[?#\\\s]/.test(value)) {
      this.fail(path, `must be an app path starting with one "/", without query or hash, got ${JSON.stringify(value)}`, `set a path such as '/login'`)
    }
  }

  /** An app path, or an absolute http(s) URL of a page on another site (a login page the app does not serve). */
  pageOrUrl(path: string, value: unknown) {
    if (typeof value === 'string' && /^https?:\/\/[^/\\\s]/i.test(value)) {
      const url = URL.canParse(value) ? new URL(value) : null
      if (url && !url.username && !url.password && !/\s/.test(value)) return
      this.fail(path, `is not a usable absolute URL: ${JSON.stringify(value)}`, `set an app path such as '/login', or a page elsewhere such as 'https://sso.example.com/login'`)
      return
    }
    this.path(path, value)
  }

  cookieDomain(path: string, value: unknown) {
    // Copied into Set-Cookie verbatim: anything but a host name could inject attributes.
    if (typeof value !== 'string' || (value !== '' && !/^\.?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i.test(value))) {
      this.fail(path, `is not a host name: ${JSON.stringify(value)}`, `set a domain such as 'example.com', or '' for the current host only`)
    }
  }

  cookieName(path: string, value: unknown) {
    // RFC 6265: a token, no separators, spaces or controls.
    if (typeof value !== 'string' || !HTTP_TOKEN.test(value)) {
      this.fail(path, `is not a valid cookie name: ${JSON.stringify(value)}`, `use letters, digits and . _ - only, e.g. 'auth.token'`)
    }
  }

  /** A request header's name (RFC 9110: one token). Anything else makes every request that carries it fail. */
  headerName(path: string, value: unknown) {
    if (typeof value !== 'string' || !HTTP_TOKEN.test(value)) {
      this.fail(path, `is not a valid header name: ${JSON.stringify(value)}`, `use letters, digits and - only, e.g. 'Authorization'`)
    }
  }

  /**
   * The scheme before the token in that header: one token, or '' for the token alone. With a space in it the
   * header would have more parts than a scheme and a token, which servers (this module's own included) refuse.
   */
  authorizationScheme(path: string, value: unknown) {
    if (typeof value !== 'string' || (value !== '' && !HTTP_TOKEN.test(value))) {
      this.fail(path, `is not a single authentication scheme: ${JSON.stringify(value)}`, `set one word such as 'Bearer', or '' to send the token alone`)
    }
  }

  /**
   * Browsers drop a `__Secure-` or `__Host-` cookie set without `Secure`, and a `__Host-` cookie with a
   * Domain: a sign-in would then never persist, silently.
   */
  cookiePrefix(path: string, name: unknown, secure: unknown, securePath: string, domain: unknown, domainPath: string) {
    if (typeof name !== 'string') return
    const prefix = /^__(?:Secure|Host)-/i.exec(name)?.[0]
    if (!prefix) return
    if (secure !== true) {
      this.fail(path, `starts with ${prefix}, but ${this.key(securePath)} is not true: browsers drop such a cookie`, `set ${this.key(securePath)}: true (and serve over https), or drop the prefix`)
    }
    if (prefix.toLowerCase() === '__host-' && typeof domain === 'string' && domain !== '') {
      this.fail(path, `starts with __Host-, but ${this.key(domainPath)} is set: browsers drop a __Host- cookie with a Domain`, `remove ${this.key(domainPath)}, or use the __Secure- prefix`)
    }
  }

  sameSite(path: string, value: unknown, secure: unknown, securePath: string) {
    if (!['lax', 'strict', 'none', true, false].includes(value as never)) {
      this.fail(path, `must be 'lax', 'strict', 'none', true or false, got ${JSON.stringify(value)}`, `use 'lax' (the default) unless you know you need another`)
    }
    else if (value === 'none' && secure !== true) {
      this.fail(path, `is 'none' but ${this.key(securePath)} is not true: browsers drop SameSite=None cookies that are not Secure`, `set ${this.key(securePath)}: true (and serve over https), or use 'lax'`)
    }
  }
}

/**
 * Whether a JSON pointer means the whole document (`'/'` or `''`), as the runtime reads it (core/pointer.ts,
 * pointsToWhole). Written here again: the providers' build-time code cannot import the runtime (the package's
 * module loads it before its paths are rewritten for dist).
 */
export const pointsToWholeDocument = (pointer: unknown) => pointer === '/' || pointer === ''

/** The option keys a level knows: `true` for a key whose value is not checked key by key, a shape for an object that is. */
export interface OptionShape { readonly [key: string]: true | OptionShape }

/**
 * Keys written where no option has that name, each an issue naming the nearest known key: a typo such as
 * `globalAppMiddlware` would otherwise build silently, and leave every page public.
 */
export function unknownOptionKeys(input: unknown, shape: OptionShape, path: string): OptionIssue[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return []
  const known = Object.keys(shape)
  return Object.entries(input).flatMap(([key, value]) => {
    const inner = Object.hasOwn(shape, key) ? shape[key] : undefined
    const misnamed = MISNAMED[`${path}.${key}`]
    if (misnamed) return [{ key: `${path}.${key}`, problem: 'is not an option', fix: misnamed }]
    if (inner === undefined) {
      const nearest = nearestKey(key, known)
      return [{ key: `${path}.${key}`, problem: 'is not an option', fix: nearest ? `did you mean ${path}.${nearest}? Otherwise remove it` : `remove it (the options at ${path} are ${known.join(', ')})` }]
    }
    return inner === true ? [] : unknownOptionKeys(value, inner, `${path}.${key}`)
  })
}

/** Keys the incumbent's documentation names where its code reads another: the fix names the one it reads. */
const MISNAMED: Record<string, string> = {
  'auth.sessionRefresh.refreshHandler': 'rename it to auth.sessionRefresh.handler: the incumbent\'s configuration page calls it refreshHandler, but its code reads handler (under the other name your handler never ran there)',
}

function nearestKey(key: string, candidates: string[]): string | null {
  let best: { key: string, distance: number } | null = null
  for (const candidate of candidates) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase())
    if (!best || distance < best.distance) best = { key: candidate, distance }
  }
  return best && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.key : null
}

/** Levenshtein distance, two rows. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    previous = current
  }
  return previous[b.length]!
}

/**
 * A type goes into a generated declaration file: it must be one expression that cannot close the declaration
 * around it. So: brackets balanced outside string literals, and no line break, `;` or comment anywhere.
 */
function isTypeExpression(text: string): boolean {
  if (!text.trim() || /[;\r\n\u2028\u2029]|\/\*|\/\//.test(text)) return false
  const closing: Record<string, string> = { '(': ')', '[': ']', '{': '}', '<': '>' }
  const open: string[] = []
  let quote: string | null = null
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!
    if (quote) {
      if (char === '\\') index++
      else if (char === quote) quote = null
    }
    else if (char === '\'' || char === '"' || char === '`') quote = char
    else if (closing[char]) open.push(closing[char])
    // `=>` in a function type is an arrow, not a closing angle bracket.
    else if (char === '>' && text[index - 1] === '=') continue
    else if (')]}>'.includes(char) && open.pop() !== char) return false
  }
  return quote === null && open.length === 0
}
