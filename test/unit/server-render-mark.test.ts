import { afterEach, describe, expect, it, vi } from 'vitest'
import type { H3Event } from 'h3'
import { RENDER_HEADER } from '../../src/runtime/core/protocol'

// The build's mark as the module generates it (module.ts: one random value per build).
const BUILT = '0b5c7c4e-3f0a-4d55-9a57-0c2f6b1e9d21'
vi.mock('#gatekeeper-server-config', () => ({ default: { renderMark: BUILT } }))

/** The module fresh (its settings and header are read once per process), with `env` set. */
async function load(env: Record<string, string> = {}) {
  vi.resetModules()
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value)
  return await import('../../src/runtime/shared/server-render-mark')
}

const request = (headers: Record<string, string>) => ({ node: { req: { headers } } }) as unknown as H3Event

afterEach(() => vi.unstubAllEnvs())

describe('the render mark', () => {
  it('is the build\'s value: every instance of one build recognises another\'s render', async () => {
    const mark = await load()
    expect(mark.renderMarkHeader()).toEqual({ [RENDER_HEADER]: BUILT })
    expect(mark.fromOwnRender(request({ [RENDER_HEADER]: BUILT }))).toBe(true)
  })

  it('is not matched by any other value, or by its absence', async () => {
    const mark = await load()
    for (const value of ['', '1', RENDER_HEADER, BUILT.toUpperCase(), `${BUILT} `]) {
      expect(mark.fromOwnRender(request({ [RENDER_HEADER]: value })), value).toBe(false)
    }
    expect(mark.fromOwnRender(request({}))).toBe(false)
  })

  it('takes NUXT_AUTH_RENDER_MARK for instances built apart', async () => {
    const shared = 'e3b0c44298fc1c149afbf4c8996fb924'
    const mark = await load({ NUXT_AUTH_RENDER_MARK: shared })
    expect(mark.renderMarkHeader()).toEqual({ [RENDER_HEADER]: shared })
    expect(mark.fromOwnRender(request({ [RENDER_HEADER]: BUILT }))).toBe(false)
    expect(mark.fromOwnRender(request({ [RENDER_HEADER]: shared }))).toBe(true)
  })

  it('refuses a guessable NUXT_AUTH_RENDER_MARK, naming the variable and the fix', async () => {
    for (const value of ['', 'short', '123456']) {
      const mark = await load({ NUXT_AUTH_RENDER_MARK: value })
      expect(() => mark.renderMarkHeader(), value).toThrow(/NUXT_AUTH_RENDER_MARK must be at least 16 characters.*Fix: set the same random value on every instance/)
      expect(() => mark.fromOwnRender(request({ [RENDER_HEADER]: value })), value).toThrow(/NUXT_AUTH_RENDER_MARK/)
    }
  })
})
