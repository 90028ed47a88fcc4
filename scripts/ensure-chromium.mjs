// Makes sure the browser tests have a Chromium: found, installed with apt as root on Debian, or this exits
// non-zero saying how to get one. In CI, as root on Debian, the headless shell is installed even beside a full
// browser (see HEADLESS_SHELL).
import { findChromium, HEADLESS_SHELL } from './chromium.mjs'
import { ensureBinary } from './ensure-binary.mjs'

ensureBinary({
  tag: 'ensure-chromium',
  find: findChromium,
  install: {
    message: 'Installing Debian\'s chromium-headless-shell with apt (about 40 s)…',
    command: '(apt-get install -y -qq chromium-headless-shell || (apt-get update -qq && apt-get install -y -qq chromium-headless-shell))',
    // CI's time budget: the e2e tier takes about a quarter less time in the headless shell than in a full browser.
    inCI: path => !process.env.CHROME_PATH && path !== HEADLESS_SHELL,
  },
  missing: `The browser tests need Chromium or Chrome, and none was found.
  - Debian/Ubuntu: sudo apt-get install -y chromium-headless-shell (or chromium)
  - macOS: install Google Chrome
  - or point CHROME_PATH at a Chromium/Chrome binary: CHROME_PATH=/path/to/chrome npm test`,
})
