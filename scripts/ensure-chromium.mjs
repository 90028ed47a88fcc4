// Makes sure the browser tests have a Chromium. They never skip silently: either a browser is found (or
// installed with apt as root on Debian), or this exits non-zero saying how to get one.
import { execSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { findChromium } from './chromium.mjs'

let path
try {
  path = findChromium()
}
catch (error) {
  // CHROME_PATH names a file that is not there: said plainly, with how to fix it.
  console.error(`[ensure-chromium] ${error.message}: point it at the binary, or unset it to use the one found on this machine.`)
  process.exit(1)
}
if (!path) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (isRoot && existsSync('/etc/debian_version')) {
    console.log('[ensure-chromium] No Chromium found; installing Debian\'s chromium with apt (about 40 s)…')
    execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium', { stdio: 'inherit' })
    path = findChromium()
  }
}
if (!path) {
  console.error(`[ensure-chromium] The browser tests need Chromium or Chrome, and none was found.
  - Debian/Ubuntu: sudo apt-get install -y chromium
  - macOS: install Google Chrome
  - or point CHROME_PATH at a Chromium/Chrome binary: CHROME_PATH=/path/to/chrome npm test`)
  process.exit(1)
}
console.log(`[ensure-chromium] using ${path}`)
