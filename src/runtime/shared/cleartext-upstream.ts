/**
 * Whether calling `upstream` would send the visitor's access token across a network in clear: plain `http:` to a
 * host that is not this machine or a private network. Loopback, `*.localhost`, the private IPv4 ranges and
 * single-label names (a container's service name, such as `http://orders:8080`) stay quiet; a public name over
 * `http:` is what a warning is for.
 */
export function sendsTokenInClear(upstream: URL): boolean {
  if (upstream.protocol !== 'http:') return false
  const host = upstream.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1') return false
  const ipv4 = host.match(/^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/)
  if (ipv4) {
    const [first, second] = [Number(ipv4[1]), Number(ipv4[2])]
    return !(first === 127 || first === 10 || (first === 172 && second >= 16 && second <= 31) || (first === 192 && second === 168))
  }
  // IPv6 other than loopback: unique-local (fc00::/7) is private, the rest is routable.
  if (host.includes(':')) return !/^f[cd][0-9a-f]{2}:/.test(host)
  return host.includes('.')
}

/** The warning for one such upstream: the prefix, the URL and the fix. */
export function cleartextUpstreamWarning(prefix: string, upstream: string): string {
  return `auth.forward maps ${prefix} to ${upstream}, a plain http URL on a public host: every request sends the visitor's access token there unencrypted. Use https://, or a private address if the upstream is on this machine or its network.`
}
