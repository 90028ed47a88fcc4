import { describe, expect, it } from 'vitest'
import { checkOwnAuthRoute } from '../../src/route-checks'

const rel = (file: string) => file.replace('/app/', '')

describe('checkOwnAuthRoute (the app\'s own Auth.js route beside a config file)', () => {
  it('warns about a catch-all route of the app\'s at the base path, naming both files and the fix', () => {
    for (const route of ['/api/auth/**', '/api/auth/**:slug']) {
      const warning = checkOwnAuthRoute([{ route: '/api/other', handler: '/app/server/api/other.ts' }, { route, handler: '/app/server/api/auth/[...].ts' }], '/api/auth', '/app/server/auth.config.ts', rel)
      expect(warning, route).toContain('server/api/auth/[...].ts and server/auth.config.ts (auth.provider.configFile) both serve Auth.js at /api/auth/**')
      expect(warning, route).toContain('set auth.provider.configFile to a path that does not exist')
    }
  })

  it('is quiet for routes elsewhere, a single route under the base path, and middleware', () => {
    const handlers = [
      { route: '/api/auth/whoami', handler: '/app/server/api/auth/whoami.get.ts' },
      { route: '/api/authx/**', handler: '/app/server/api/authx/[...].ts' },
      { handler: '/app/server/middleware/log.ts' },
    ]
    expect(checkOwnAuthRoute(handlers, '/api/auth', '/app/server/auth.config.ts', rel)).toBeNull()
    expect(checkOwnAuthRoute(handlers, '/api/auth/', '/app/server/auth.config.ts', rel)).toBeNull()
  })
})
