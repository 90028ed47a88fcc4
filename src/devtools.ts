import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { addPluginTemplate } from '@nuxt/kit'
import type { Nuxt } from '@nuxt/schema'
import { joinURL } from 'ufo'

/**
 * The Nuxt DevTools tab, development only: module.ts calls this inside `if (nuxt.options.dev)`, so a production
 * build has none of it (test/e2e/devtools-production.test.ts checks the built output).
 *
 * - a Nuxt plugin (runtime/app/devtools/plugin.ts) that keeps the log of guard decisions, refreshes and auth
 *   events, fed by the `auth:*` hooks and the runtime's `import.meta.dev` signals (runtime/app/devtools/record.ts),
 *   and gives the tab `$gatekeeperDevtools`;
 * - a page served by the Vite dev server at DEVTOOLS_ROUTE, whose script (runtime/devtools/panel.ts, compiled by
 *   Vite on request) reads that through the DevTools client (`window.__NUXT_DEVTOOLS__.host.nuxt`);
 * - the tab itself, through the `devtools:customTabs` hook (no dependency on @nuxt/devtools-kit: the hook is all
 *   its addCustomTab does; without DevTools nothing calls it).
 */
export const DEVTOOLS_ROUTE = '/__gatekeeper_devtools__'

/** The part of DevTools' ModuleCustomTab used here. */
interface CustomTab {
  name: string
  title: string
  icon?: string
  category?: string
  view: { type: 'iframe', src: string, persistent?: boolean }
}

/** Connect's request and response, as much as the page needs (Vite's middlewares). */
interface DevRequest { url?: string }
interface DevResponse {
  statusCode: number
  setHeader(name: string, value: string): void
  end(body?: string): void
}

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="#00DC82" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M12 3l7 3v5c0 4.5-3 8.3-7 9.5C8 19.3 5 15.5 5 11V6z"/><rect x="9" y="10.5" width="6" height="5" rx="1"/><path d="M10 10.5V9a2 2 0 0 1 4 0v1.5"/></svg>`

/** Build-time facts the tab shows (runtime/app/devtools/plugin.ts `DevtoolsInfo`). */
export interface DevtoolsInfo {
  provider: string
  sessions: boolean
}

export function setupDevtools(nuxt: Nuxt, { runtimeDir, info }: { runtimeDir: string, info: DevtoolsInfo }) {
  const pluginModule = join(runtimeDir, 'app/devtools/plugin')
  addPluginTemplate({
    filename: 'gatekeeper/devtools.plugin.mjs',
    getContents: () => `import { defineNuxtPlugin } from '#imports'
import { setupDevtools } from ${JSON.stringify(pluginModule)}
export default defineNuxtPlugin({
  name: 'gatekeeper-devtools',
  // Before the module's own plugin: its first checks and refreshes are logged too.
  enforce: 'pre',
  setup: nuxtApp => setupDevtools(nuxtApp, ${JSON.stringify(info)}),
})
`,
  })

  const route = joinURL(nuxt.options.app.baseURL || '/', DEVTOOLS_ROUTE)
  // Typed by @nuxt/devtools-kit, which the module does not depend on.
  const addTab = (tabs: CustomTab[]) => {
    tabs.push({
      name: 'nuxt-gatekeeper',
      title: 'Auth',
      icon: joinURL(route, 'icon.svg'),
      category: 'app',
      view: { type: 'iframe', src: route },
    })
  }
  nuxt.hook('devtools:customTabs' as never, addTab as never)

  // The panel's script, compiled by Vite when the page asks for it: TypeScript in the sources, JavaScript in dist.
  const panel = ['ts', 'js'].map(extension => join(runtimeDir, `devtools/panel.${extension}`)).find(path => existsSync(path))
  const panelURL = panel && joinURL(nuxt.options.app.baseURL || '/', nuxt.options.app.buildAssetsDir, '@fs', panel)
  const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nuxt-gatekeeper · Auth</title>
</head>
<body>
<main id="gatekeeper-devtools" data-route="${DEVTOOLS_ROUTE}"><p>Connecting to the app…</p></main>
<script type="module" src="${panelURL}"></script>
</body>
</html>
`
  nuxt.hook('vite:serverCreated', (server, { isClient }) => {
    if (!isClient || !panelURL) return
    server.middlewares.use(route, (request: DevRequest, response: DevResponse, next: () => void) => {
      const path = (request.url ?? '/').split('?')[0]
      if (path === '/icon.svg') {
        response.setHeader('content-type', 'image/svg+xml')
        response.end(ICON)
        return
      }
      if (path !== '/' && path !== '') return next()
      response.statusCode = 200
      response.setHeader('content-type', 'text/html; charset=utf-8')
      response.setHeader('cache-control', 'no-store')
      response.end(page)
    })
  })
}
