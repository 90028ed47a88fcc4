import { describe, expect, it, vi } from 'vitest'

// The route-rules middleware with the app's rules and the provider's backend routes set, and a requireServerSession
// that records which requests it was asked about (a rule applied: 401/403 for the wrong visitor).
const asked = vi.hoisted(() => ({ paths: [] as string[] }))
vi.mock('#imports', () => ({
  useRuntimeConfig: () => ({ app: { baseURL: '/' }, nitro: { routeRules: { '/api/**': { auth: { required: true } } } } }),
}))
vi.mock('../../src/runtime/server/authorization', () => ({
  requireServerSession: async (event: { path: string }) => void asked.paths.push(event.path),
}))
vi.mock('../../src/runtime/server/config', () => ({ serverAuthConfig: () => ({ baseURL: '/api/auth' }) }))
vi.mock('../../src/runtime/shared/server-settings', () => ({
  serverSettings: () => ({ backendRoutes: [{ path: '/login', method: 'post' }, { path: '/session', method: 'get' }] }),
}))
const { default: middleware } = await import('../../src/runtime/server/middleware/route-rules')

async function ruleApplies(method: string, path: string): Promise<boolean> {
  asked.paths.length = 0
  await (middleware as unknown as (event: unknown) => Promise<unknown>)({ path, method, context: {} })
  return asked.paths.length > 0
}

describe('route rules on /api/** and the module\'s own routes', () => {
  it('never apply to the module\'s routes, each with its method, nor to the backend\'s endpoints it calls', async () => {
    const exempt = ['GET /api/_auth/session', 'POST /api/_auth/signin', 'POST /api/_auth/signout', 'POST /api/_auth/refresh', 'POST /api/_auth/signup', 'POST /api/auth/login', 'GET /api/auth/session', 'GET /api/_auth/session/']
    const applied: boolean[] = []
    for (const request of exempt) applied.push(await ruleApplies(...request.split(' ') as [string, string]))
    expect(Object.fromEntries(exempt.map((request, index) => [request, applied[index]]))).toEqual(Object.fromEntries(exempt.map(request => [request, false])))
  })

  it('apply to other paths and methods under /api/_auth: the app\'s own handlers answer those', async () => {
    const others = ['GET /api/_auth/users', 'DELETE /api/_auth/session', 'GET /api/_auth/signin', 'POST /api/_auth/session/x', 'PATCH /api/auth/session']
    const applied: boolean[] = []
    for (const request of others) applied.push(await ruleApplies(...request.split(' ') as [string, string]))
    expect(Object.fromEntries(others.map((request, index) => [request, applied[index]]))).toEqual(Object.fromEntries(others.map(request => [request, true])))
  })
})
