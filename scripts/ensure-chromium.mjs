// Makes sure the browser tests have a Chromium: found, installed with apt as root on Debian, or this exits
// non-zero saying how to get one.
import { findChromium } from './chromium.mjs'
import { ensureBinary } from './ensure-binary.mjs'

ensureBinary({
  tag: 'ensure-chromium',
  find: findChromium,
  install: { message: 'No Chromium found; installing Debian\'s chromium with apt (about 40 s)…', command: 'apt-get update -qq && apt-get install -y -qq chromium' },
  missing: `The browser tests need Chromium or Chrome, and none was found.
  - Debian/Ubuntu: sudo apt-get install -y chromium
  - macOS: install Google Chrome
  - or point CHROME_PATH at a Chromium/Chrome binary: CHROME_PATH=/path/to/chrome npm test`,
})
