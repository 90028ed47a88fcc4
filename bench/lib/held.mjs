// Server memory held after many first visits: every view of the protected page comes from a visitor the server
// has not seen (an access token minted for that view; with a refresh-token cookie, tokens from a sign-in made
// before the first reading; in session mode a new sign-in), so each one misses the session cache and asks the
// backend, as a busy site's new visitors do. Then, where the server refreshes tokens, as many
// views that each refresh on the server (an expired access token beside a valid refresh token: a browser back
// after a while away). The figures are the heap still reachable right after each burst, after full collections,
// against the same server's heap before it. They show what a render keeps beyond its response: caches (bounded
// by design, and named in docs/benchmarks.md) and anything kept by mistake, such as the deadline that held each
// backend answer for requestTimeout, or the refresh de-duplication that held the whole request through its
// grace. No timing is taken; the bytes move by about 1 MB between runs (what V8 has in flight when it collects),
// so they show defects of megabytes, not of a few hundred bytes a visit.
import { PROBE, askProbe } from './allocation.mjs'
import { cookieHeader, expiredCopy, newVisitorCookie, rendersUser, startServer, visitorCookie } from './server.mjs'

/**
 * How the figures are taken: `visits` first visits from `connections` clients at once, after `warmUp` views by
 * one visitor; then `refreshes` views that each refresh on the server.
 */
export const HELD_RUN = { visits: 2000, refreshes: 1000, connections: 10, warmUp: 200 }

/**
 * The variants whose visitors carry a refresh-token cookie, which the server spends when the access token has
 * expired (the incumbent's on every render): refresh tokens, not session mode, not the access token alone.
 */
export const refreshesOnServer = variant => variant.refresh && !variant.sessions && !variant.accessOnly

async function heldHeap(server) {
  const answer = await askProbe(server, { heap: 'held' })
  if (answer.error) throw new Error(`${server.variant.name}: ${answer.error}`)
  return answer.heapUsed
}

/** Views from `connections` clients at once, one per visitor `visitor(index)` gives, until `count` are done. */
async function burst(count, connections, visitor, view) {
  let next = 0
  await Promise.all(Array.from({ length: connections }, async () => {
    while (next < count) await view(await visitor(next++))
  }))
}

/** `count` visitors signed in at the backend, with both token cookies; `expired`: an expired copy of the access token. */
async function signedInVisitors(server, count, { expired = false } = {}) {
  const visitors = []
  for (let index = 0; index < count; index++) {
    const { user, token, refreshToken } = await server.signIn()
    visitors.push({ user, cookie: cookieHeader({ token: expired ? await expiredCopy(token) : token, refreshToken }) })
  }
  return visitors
}

/**
 * Per variant: `{ heldBytes, visits }`, the heap the first visits left reachable, and for the variants that
 * refresh on the server `refreshing: { heldBytes, visits }`, what the refreshing views left on top.
 */
export async function measureHeldHeap(variants, { visits, refreshes, connections, warmUp } = HELD_RUN) {
  const results = new Map()
  for (const variant of variants) {
    const server = await startServer(variant, { nodeArgs: ['--expose-gc', '--import', PROBE], ipc: true })
    try {
      await server.control({ rotate: false, accessTtl: 1800 })
      // A view answers 200 and, signed in, shows the user's name: a visit the server turned away would hold less.
      const view = async ({ user, cookie }) => {
        const response = await fetch(`${server.url}/a`, { headers: { cookie }, redirect: 'manual' })
        const html = await response.text()
        if (response.status !== 200 || (user && !rendersUser(html, user))) throw new Error(`${variant.name}: a first visit of /a answered ${response.status}${user ? ` without ${user.name}` : ''}`)
      }
      const regular = variant.auth ? await visitorCookie(server) : { cookie: '' }
      for (let index = 0; index < warmUp; index++) await view(regular)
      // A refresh-token cookie must be one the backend issued: the incumbent spends it on every render, and one the
      // backend never saw made each of its first visits a refused refresh and a logged error, not a signed-in visit.
      // Signed in before the first reading, so the backend's records of them are not counted.
      const firstVisitors = refreshesOnServer(variant) ? await signedInVisitors(server, visits) : null
      const before = await heldHeap(server)
      await server.quietly(() => burst(visits, connections, index => firstVisitors?.[index] ?? (variant.auth ? newVisitorCookie(server, index) : { cookie: '' }), view))
      const afterVisits = await heldHeap(server)
      const result = { heldBytes: afterVisits - before, visits }
      process.stdout.write(`  ${variant.name}: ${(result.heldBytes / 1e6).toFixed(1)} MB held after ${visits} first visits\n`)
      if (refreshesOnServer(variant)) {
        // Signed in for real (the backend must know each refresh token), before the heap is read; rotating, as
        // a backend with refresh tokens should.
        await server.control({ rotate: true })
        const visitors = await signedInVisitors(server, refreshes, { expired: true })
        const beforeRefreshes = await heldHeap(server)
        const calls = (await server.state()).counters['POST /api/auth/refresh'] ?? 0
        await server.quietly(() => burst(refreshes, connections, index => visitors[index], view))
        const refreshed = ((await server.state()).counters['POST /api/auth/refresh'] ?? 0) - calls
        if (refreshed !== refreshes) throw new Error(`${variant.name}: ${refreshes} views with an expired access token made ${refreshed} refreshes`)
        visitors.length = 0
        result.refreshing = { heldBytes: await heldHeap(server) - beforeRefreshes, visits: refreshes }
        process.stdout.write(`  ${variant.name}: ${(result.refreshing.heldBytes / 1e6).toFixed(1)} MB held after ${refreshes} views that refresh on the server\n`)
      }
      results.set(variant.name, result)
    }
    finally {
      await server.stopAndWait()
    }
  }
  return results
}
