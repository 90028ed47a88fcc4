// Server memory allocated per SSR view of the protected page with a valid cookie. Unlike req/s, which moves by
// ten points from run to run on a shared machine, the bytes a render allocates repeat to within a few per cent,
// and the median of five runs closer still, so server-side changes of a few kB show here. Each variant is served
// once more, by itself, with allocation-probe.mjs preloaded (the throughput servers run without it), and the
// parent sends the views one after another.
import { fileURLToPath } from 'node:url'
import { expectSignedInView, startServer, visitorCookie, withSteadySessionCache } from './server.mjs'
import { median } from './stats.mjs'

export const PROBE = fileURLToPath(new URL('./allocation-probe.mjs', import.meta.url))
/** How the table's figure is taken: the median of `samples` runs of `views` sequential views, after `warmUp` views. */
export const ALLOCATION_RUN = { views: 500, samples: 5, warmUp: 200 }

/** Sends `message` to the server's probe (allocation-probe.mjs) and resolves with its answer. */
export function askProbe(server, message) {
  return new Promise((resolve, reject) => {
    server.child.once('message', resolve)
    server.child.send(message, error => error && reject(error))
  })
}

/** Bytes allocated by the server while `run()` ran (objects already collected included). */
export async function allocatedBytesDuring(server, run) {
  await askProbe(server, { allocation: 'start' })
  await run()
  const { allocatedBytes } = await askProbe(server, { allocation: 'stop' })
  return allocatedBytes
}

/**
 * Per variant: `{ bytesPerView, samples }` (see ALLOCATION_RUN; the warm-up lets the JIT and the session cache
 * settle, as in the throughput rounds).
 */
export async function measureAllocation(variants, { views, samples, warmUp } = ALLOCATION_RUN) {
  const results = new Map()
  for (const variant of variants) {
    const server = await startServer(withSteadySessionCache(variant), { nodeArgs: ['--import', PROBE], ipc: true })
    try {
      await server.control({ rotate: false, accessTtl: 1800 })
      const { user, cookie } = variant.auth ? await visitorCookie(server) : { cookie: '' }
      await expectSignedInView(server, user, cookie)
      const view = async () => {
        const response = await fetch(`${server.url}/a`, { headers: { cookie }, redirect: 'manual' })
        await response.text()
        if (response.status !== 200) throw new Error(`${variant.name}: /a answered ${response.status} while measuring allocation`)
      }
      const repeat = async (count) => {
        for (let index = 0; index < count; index++) await view()
      }
      await repeat(warmUp)
      const perView = []
      for (let sample = 0; sample < samples; sample++) perView.push(await server.quietly(() => allocatedBytesDuring(server, () => repeat(views))) / views)
      results.set(variant.name, { bytesPerView: median(perView), samples: perView })
      process.stdout.write(`  ${variant.name}: ${(median(perView) / 1000).toFixed(1)} kB per view\n`)
    }
    finally {
      await server.stopAndWait()
    }
  }
  return results
}
