import { afterEach, describe, expect, it, vi } from 'vitest'

// Which tab made a refresh, in the DevTools tab's log: the client plugin keeps the tab's id in sessionStorage. A
// browser copies a tab's sessionStorage into a duplicated tab (and into a window.open without noopener).
vi.mock('#imports', () => ({ tryUseNuxtApp: () => null }))
const { setupDevtools } = await import('../../src/runtime/app/devtools/plugin')
const { setDevSink } = await import('../../src/runtime/app/devtools/record')
type Api = { snapshot(): { tab: string, entries: { events: Array<{ detail: string }> } }, clearLog(): void }

class MemoryStorage {
  map = new Map<string, string>()
  getItem = (key: string) => this.map.get(key) ?? null
  setItem = (key: string, value: string) => void this.map.set(key, String(value))
  removeItem = (key: string) => void this.map.delete(key)
  /** What the browser gives a duplicated tab. */
  copy() {
    const copy = new MemoryStorage()
    copy.map = new Map(this.map)
    return copy
  }
}

const unmounts: Array<() => void> = []
const LOG_KEY = 'nuxt-gatekeeper:devtools:log'
const ENTRY = { id: 'c-earlier-1', at: 1_000, side: 'client', kind: 'event', name: 'status', detail: 'logged by the first tab' }

/** A page of a tab: a stand-in NuxtApp whose manager knows nobody, enough for the tab's snapshot. */
function openPage(storage: MemoryStorage): Api {
  vi.stubGlobal('sessionStorage', storage)
  const manager = {
    store: { status: 'unauthenticated', machine: { phase: 'unauthenticated', activity: null, error: null, checkFailed: false, epoch: 0 }, data: null, lastRefreshedAt: null },
    tokens: { kept: true, readable: true, token: () => null, refreshToken: () => null, authorization: () => null },
    clock: { offset: () => 0 },
    config: { token: { cookie: { name: 'auth.token', httpOnly: false } }, refreshToken: null },
    refresher: () => null,
    refreshes: () => false,
  }
  const nuxtApp = { $gatekeeper: manager, payload: {}, hook: () => () => {}, hooks: { hook: () => () => {} }, vueApp: { onUnmount: (leave: () => void) => unmounts.push(leave) }, runWithContext: <T>(run: () => T) => run() }
  return (setupDevtools(nuxtApp as never, { provider: 'local', sessions: false }) as { provide: { gatekeeperDevtools: Api } }).provide.gatekeeperDevtools
}

afterEach(() => {
  unmounts.splice(0).forEach(leave => leave())
  setDevSink(undefined)
  vi.unstubAllGlobals()
})

describe('the DevTools tab\'s id of a browser tab', () => {
  it('a duplicated tab, opened while the first is open, gets an id of its own and none of the first one\'s log', async () => {
    const first = new MemoryStorage()
    const tabA = openPage(first)
    await Promise.resolve()
    first.setItem(LOG_KEY, JSON.stringify({ events: [ENTRY] }))
    const tabB = openPage(first.copy())
    expect(tabA.snapshot().tab).toMatch(/^tab-/)
    expect(tabB.snapshot().tab).toMatch(/^tab-/)
    expect(tabB.snapshot().tab).not.toBe(tabA.snapshot().tab)
    expect(tabB.snapshot().entries.events.map(entry => entry.detail)).not.toContain(ENTRY.detail)
  })

  it('a reload keeps the id: the page that left cleared its mark', () => {
    const storage = new MemoryStorage()
    const before = openPage(storage).snapshot().tab
    storage.setItem(LOG_KEY, JSON.stringify({ events: [ENTRY] }))
    // The page goes (pagehide in a browser; the app's unmount here), the same sessionStorage comes back.
    unmounts.splice(0).forEach(leave => leave())
    const reloaded = openPage(storage).snapshot()
    expect(reloaded.tab).toBe(before)
    expect(reloaded.entries.events.map(entry => entry.detail)).toContain(ENTRY.detail)
  })
})
