// Finds a Chromium for the browser tests: CHROME_PATH, Debian's chromium-headless-shell or chromium, or a system Chrome.
import { existsSync } from 'node:fs'

/**
 * Debian's Chromium without the browser's own UI: the same Blink and V8, and what Playwright itself runs for headless
 * tests. The full browser runs its UI process even headless: the e2e tier took a third longer in it (about 720 s
 * against 544 s), files that drive many pages twice as long.
 */
export const HEADLESS_SHELL = '/usr/bin/chromium-headless-shell'

const CANDIDATES = [
  HEADLESS_SHELL,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
]

export function findChromium() {
  const fromEnv = process.env.CHROME_PATH
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROME_PATH is set to ${fromEnv}, but no file is there`)
    return fromEnv
  }
  return CANDIDATES.find(path => existsSync(path)) ?? null
}

/** Flags that let Chromium run headless as root on a machine without outside network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
]

/**
 * A response's body as the browser downloaded it. Chromium keeps no body for a `<link rel="prefetch">` download
 * (Playwright reads it as empty, or fails to read it), so such a script is read again from the server; that read
 * must answer 200. Used where a download is counted or searched (the e2e tier's watchChunk, the bench's first visit).
 * @param {import('playwright-core').Response} response
 * @returns {Promise<Buffer>} the bytes
 */
export async function responseBody(response) {
  const body = await response.body().catch(() => Buffer.alloc(0))
  if (body.length > 0) return body
  const again = await fetch(response.url())
  if (!again.ok) throw new Error(`${response.url()} answered ${again.status} when read again`)
  return Buffer.from(await again.arrayBuffer())
}
