import type { DevtoolsApi } from '../app/devtools/plugin'
import { createPanel, STYLES } from './view'

/**
 * The DevTools tab's script (development only): served by Vite for the page src/devtools.ts answers at
 * /__gatekeeper_devtools__. Nuxt DevTools hands the page its client (`window.__NUXT_DEVTOOLS__`) once the
 * iframe loaded; `client.host.nuxt` is the app's NuxtApp, where the module's dev plugin put `$gatekeeperDevtools`.
 */

interface DevtoolsClientWindow {
  __NUXT_DEVTOOLS__?: { host?: { nuxt?: { $gatekeeperDevtools?: DevtoolsApi } } }
}

const style = document.createElement('style')
style.textContent = STYLES
document.head.append(style)

const root = document.getElementById('gatekeeper-devtools') ?? document.body.appendChild(document.createElement('main'))
const panel = createPanel(root, {
  api: () => (window as unknown as DevtoolsClientWindow).__NUXT_DEVTOOLS__?.host?.nuxt?.$gatekeeperDevtools ?? null,
})

// The app's state is another window's: no reactivity reaches here, so the page reads it twice a second (cheap:
// a section is rebuilt only when what it shows changed). `window.`: a bare setInterval would be auto-imported
// from Nuxt's compat layer, pulling Nuxt's composables into this page.
panel.update()
window.setInterval(() => panel.update(), 500)
