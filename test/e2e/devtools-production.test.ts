import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, inject, it } from 'vitest'

// The Nuxt DevTools tab (src/devtools.ts) is development only: a production build has none of its plugin, log,
// page or runtime signals. Checked on every fixture global-setup.ts builds with `nuxi build` (with a server): each configuration
// compiles other call sites of the tab's signals (the refresher only with refresh tokens, the server-held refresh only
// with httpOnly cookies or session mode, the Auth.js strategy only there).
const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const FIXTURES = ['local', 'refresh', 'local-httponly', 'refresh-httponly', 'sessions', 'refresh-shared', 'authjs', 'authjs-default-provider', 'sidebase-local', 'sidebase-listed']

/**
 * Strings only the tab's code holds: the page's route, the runtime's signal sink and signal names, the dev
 * plugin's name, its provide/payload key and its storage/channel names. Each must exist in the sources (so a
 * rename cannot make this test pass vacuously) and nowhere in the build.
 */
const MARKERS: Array<[marker: string, source: string]> = [
  ['__gatekeeper_devtools__', 'src/devtools.ts'],
  ['gatekeeper-devtools', 'src/devtools.ts'],
  ['__nuxtGatekeeperDevtools__', 'src/runtime/app/devtools/record.ts'],
  ['refresh-trigger', 'src/runtime/app/devtools/record.ts'],
  ['refresh-start', 'src/runtime/app/devtools/record.ts'],
  ['gatekeeperDevtools', 'src/runtime/app/devtools/plugin.ts'],
  ['nuxt-gatekeeper:devtools', 'src/runtime/app/devtools/log.ts'],
  ['applied again after a verdict', 'src/runtime/app/devtools/log.ts'],
  // Not the tab's, but development only as well: the warning for a cookie domain the page's host does not match.
  ['is set for the domain', 'src/runtime/shared/cookie-domain.ts'],
]

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map(name => join(dir, name)).filter(path => statSync(path).isFile())
}

describe('the DevTools tab in a production build', () => {
  it('the markers are the tab\'s own: present in its sources', () => {
    for (const [marker, source] of MARKERS) expect(readFileSync(join(repoRoot, source), 'utf8'), `${marker} in ${source}`).toContain(marker)
  })

  it.each(FIXTURES)('%s: no client chunk, server file or prerendered page holds any of it', (fixture) => {
    const output = join(repoRoot, 'test/fixtures', fixture, '.output')
    const built = files(output).filter(path => /\.(?:m?js|json|html|map)$/.test(path))
    // The client's chunks and the server's bundle are both there to be searched.
    expect(built.filter(path => path.includes('/public/_nuxt/') && path.endsWith('.js')).length).toBeGreaterThan(0)
    expect(built.filter(path => path.includes('/server/') && path.endsWith('.mjs')).length).toBeGreaterThan(0)
    const found: string[] = []
    for (const path of built) {
      const text = readFileSync(path, 'utf8')
      for (const [marker] of MARKERS) if (text.includes(marker)) found.push(`${marker} in ${path.slice(output.length + 1)}`)
    }
    expect(found).toEqual([])
  })

  it('the served app has no tab page, and its pages no devtools payload', async () => {
    const baseURL = inject('localBaseURL')
    const page = await fetch(new URL('/__gatekeeper_devtools__', baseURL))
    expect(page.status).toBe(404)
    expect(await page.text()).not.toContain('devtools/panel')
    const html = await (await fetch(new URL('/login', baseURL))).text()
    expect(html).toContain('__NUXT_DATA__')
    expect(html).not.toContain('gatekeeperDevtools')
  })
})
