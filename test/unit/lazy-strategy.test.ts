// The browser's stand-in for the provider's strategy (src/runtime/app/lazy-strategy.ts): it answers what the app
// asks at once from the declared capabilities, loads the backend-calling chunk on the first call (once, shared), and a
// chunk that cannot be downloaded is a NETWORK AuthError that the next call retries.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { isAuthError, type ClientStrategy, type StrategyContext } from '../../src/runtime/core'

const chunk = vi.hoisted(() => ({ loads: 0, fail: false, strategy: null as unknown as ClientStrategy<unknown> }))
const CHUNK = '../../src/runtime/app/backend-code'

const ctx = {} as StrategyContext<unknown>

async function freshStandIn(capabilities: { refresh: boolean, actions: string[] }) {
  vi.resetModules()
  // The chunk as the browser would download it: counted, and failing while `chunk.fail` is set.
  vi.doMock(CHUNK, () => {
    chunk.loads++
    if (chunk.fail) throw new TypeError('Failed to fetch dynamically imported module')
    return { browserStrategy: chunk.strategy }
  })
  const { lazyStrategy } = await import('../../src/runtime/app/lazy-strategy')
  return lazyStrategy(capabilities)
}

beforeEach(() => {
  chunk.loads = 0
  chunk.fail = false
  chunk.strategy = {
    signIn: vi.fn(async () => ({ token: 't' })),
    signOut: vi.fn(async () => {}),
    getSession: vi.fn(async () => ({ user: 'u' })),
    refresh: vi.fn(async () => ({ token: 'next' })),
    actions: { getCsrfToken: vi.fn(async () => 'csrf') },
  }
})

describe('lazyStrategy', () => {
  it('has refresh and the actions exactly as declared, before anything is loaded', async () => {
    const local = await freshStandIn({ refresh: false, actions: [] })
    expect(local.refresh).toBeUndefined()
    expect(local.actions).toBeUndefined()
    const authjs = await freshStandIn({ refresh: false, actions: ['getCsrfToken'] })
    expect(Object.keys(authjs.actions!)).toEqual(['getCsrfToken'])
    const refresh = await freshStandIn({ refresh: true, actions: [] })
    expect(refresh.refresh).toBeTypeOf('function')
    expect(chunk.loads).toBe(0)
  })

  it('loads the chunk once, on the first call, and calls the real methods with the same arguments', async () => {
    const standIn = await freshStandIn({ refresh: true, actions: ['getCsrfToken'] })
    const answers = await Promise.all([standIn.getSession(ctx), standIn.getSession(ctx), standIn.refresh!(ctx), standIn.actions!.getCsrfToken!(ctx)])
    expect(answers).toEqual([{ user: 'u' }, { user: 'u' }, { token: 'next' }, 'csrf'])
    await standIn.signIn(ctx, { username: 'a' }, { query: { q: '1' } })
    await standIn.signOut(ctx)
    expect(chunk.strategy.signIn).toHaveBeenCalledWith(ctx, { username: 'a' }, { query: { q: '1' } })
    expect(chunk.strategy.signOut).toHaveBeenCalledWith(ctx)
    expect(chunk.loads).toBe(1)
  })

  it('turns a chunk that cannot be downloaded into a NETWORK AuthError, and loads it on the next call', async () => {
    const standIn = await freshStandIn({ refresh: false, actions: [] })
    chunk.fail = true
    const failure = await standIn.getSession(ctx).catch((error: unknown) => error)
    expect(isAuthError(failure) && failure.code, String(failure)).toBe('NETWORK')
    expect(chunk.strategy.getSession).not.toHaveBeenCalled()
    chunk.fail = false
    await expect(standIn.getSession(ctx)).resolves.toEqual({ user: 'u' })
  })
})
