/**
 * Whether a browser on `host` keeps a cookie set with `Domain=domain` (RFC 6265's domain-match): the host itself
 * or a subdomain of it, never another site's, and an address only as itself. Case and a leading dot do not count.
 */
export function cookieDomainMatches(domain: string, host: string): boolean {
  const wanted = domain.replace(/^\./, '').toLowerCase()
  const on = host.toLowerCase()
  if (on === wanted) return true
  const isAddress = /^[\d.]+$/.test(on) || on.includes(':')
  return !isAddress && on.endsWith(`.${wanted}`)
}

const warned = new Set<string>()

/**
 * Development: a token cookie whose configured domain the page's host does not match is dropped by the browser
 * without a word, and nobody stays signed in. Said once per cookie, domain and host (browser console or server log).
 */
export function warnCookieDomainOnce(cookieName: string, domain: string, host: string): boolean {
  const key = `${cookieName}\n${domain}\n${host}`
  if (!host || cookieDomainMatches(domain, host) || warned.has(key)) return false
  warned.add(key)
  console.warn(`[nuxt-gatekeeper] The ${cookieName} cookie is set for the domain "${domain}" (token.cookieDomain), but this page is served from "${host}": the browser drops it, so nobody stays signed in here. Set token.cookieDomain (and refresh.token.cookieDomain) to '' for this host only, or to a domain this host belongs to`)
  return true
}
