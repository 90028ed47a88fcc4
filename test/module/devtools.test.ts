import { fileURLToPath } from 'node:url'
import { loadNuxt } from '@nuxt/kit'
import type { Nuxt } from '@nuxt/schema'
import { describe, expect, it } from 'vitest'

// The Nuxt DevTools tab is wired in development only (src/devtools.ts); the production side of this is checked
// on a built app by test/e2e/devtools-production.test.ts.
const modulePath = fileURLToPath(new URL('../../src/module', import.meta.url))
const rootDir = fileURLToPath(new URL('../fixtures/setup', import.meta.url))

async function load(dev: boolean): Promise<Nuxt> {
  return await loadNuxt({
    cwd: rootDir,
    dev,
    ready: true,
    // DevTools itself stays off: the test calls its hook the way it would.
    overrides: { ssr: true, telemetry: false, devtools: { enabled: false }, modules: [modulePath], auth: { provider: { type: 'local', refresh: { isEnabled: true } } } },
  })
}

async function customTabs(nuxt: Nuxt) {
  const tabs: Array<{ name: string, view: { type: string, src: string } }> = []
  // Typed by DevTools' kit, which the module does not depend on.
  const callHook = nuxt.callHook as unknown as (name: string, ...args: unknown[]) => Promise<void>
  await callHook.call(nuxt, 'devtools:customTabs', tabs)
  return tabs
}

const devtoolsPlugins = (nuxt: Nuxt) => nuxt.options.plugins.filter(plugin => (typeof plugin === 'string' ? plugin : plugin.src).includes('devtools.plugin'))

describe('DevTools tab', () => {
  it('development: a tab whose iframe shows the module\'s page, and the plugin that feeds it', async () => {
    const nuxt = await load(true)
    try {
      expect(await customTabs(nuxt)).toEqual([expect.objectContaining({ name: 'nuxt-gatekeeper', title: 'Auth', view: { type: 'iframe', src: '/__gatekeeper_devtools__' } })])
      const [plugin] = devtoolsPlugins(nuxt)
      expect(plugin).toBeDefined()
      const template = nuxt.options.build.templates.find(entry => entry.filename === 'gatekeeper/devtools.plugin.mjs')
      const source = await (template!.getContents as () => Promise<string> | string)()
      expect(source).toContain('name: \'gatekeeper-devtools\'')
      expect(source).toContain('{"provider":"local","sessions":false}')
    }
    finally {
      await nuxt.close()
    }
  })

  it('production build: no tab, no plugin', async () => {
    const nuxt = await load(false)
    try {
      expect(await customTabs(nuxt)).toEqual([])
      expect(devtoolsPlugins(nuxt)).toEqual([])
      expect(nuxt.options.build.templates.some(entry => entry.filename?.includes('devtools'))).toBe(false)
    }
    finally {
      await nuxt.close()
    }
  })
})
