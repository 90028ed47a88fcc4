// Server memory held after many first visits: every view of the protected page comes from a visitor the server
// has not seen (a token minted for that view, or in session mode a new sign-in), so each one misses the session
// cache and asks the backend, as a busy site's new visitors do. The figure is the heap still reachable right
// after the burst, after full collections, against the same server's heap before it. It shows what a render
// keeps beyond its response: caches (bounded by design, and named in docs/benchmarks.md) and anything kept by
// mistake, such as the deadline that held each backend answer for requestTimeout. The bytes repeat from run to
// run to within a few per cent; no timing is taken.
import { PROBE, askProbe } from './allocation.mjs'
import { newVisitorCookie, startServer, visitorCookie } from './server.mjs'

/** How the figure is taken: `visits` first visits from `connections` clients at once, after `warmUp` views by one visitor. */
export const HELD_RUN = { visits: 2000, connections: 10, warmUp: 200 }

async function heldHeap(server) {
  const answer = await askProbe(server, { heap: 'held' })
  if (answer.error) throw new Error(`${server.variant.name}: ${answer.error}`)
  return answer.heapUsed
}

/** Per variant: `{ heldBytes, visits }`, the heap the first visits left reachable. */
export async function measureHeldHeap(variants, { visits, connections, warmUp } = HELD_RUN) {
  const results = new Map()
  for (const variant of variants) {
    const server = await startServer(variant, { nodeArgs: ['--expose-gc', '--import', PROBE], ipc: true })
    try {
      await server.control({ rotate: false, accessTtl: 1800 })
      // A view answers 200 and, signed in, shows the user's name: a visit the server turned away would hold less.
      const view = async ({ user, cookie }) => {
        const response = await fetch(`${server.url}/a`, { headers: { cookie }, redirect: 'manual' })
        const html = await response.text()
        if (response.status !== 200 || (user && !html.includes(user.name))) throw new Error(`${variant.name}: a first visit of /a answered ${response.status}${user ? ` without ${user.name}` : ''}`)
      }
      const regular = variant.auth ? await visitorCookie(server) : { cookie: '' }
      for (let index = 0; index < warmUp; index++) await view(regular)
      const before = await heldHeap(server)
      let next = 0
      await Promise.all(Array.from({ length: connections }, async () => {
        while (next < visits) {
          const index = next++
          await view(variant.auth ? await newVisitorCookie(server, index) : { cookie: '' })
        }
      }))
      const heldBytes = await heldHeap(server) - before
      results.set(variant.name, { heldBytes, visits })
      process.stdout.write(`  ${variant.name}: ${(heldBytes / 1e6).toFixed(1)} MB held after ${visits} first visits\n`)
    }
    finally {
      await server.stopAndWait()
    }
  }
  return results
}
