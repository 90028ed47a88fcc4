import { describe, expect, it, vi } from 'vitest'
import { applyEnv } from '../../src/runtime/shared/env'

// The build's settings as the module generates them (only what these tests read).
vi.mock('#gatekeeper-server-config', () => ({ default: { sessionCache: { maxAge: 10, maxEntries: 10_000 }, maxBodyBytes: 65_536 } }))

const settings = () => ({
  sessionCache: { maxAge: 10, maxEntries: 10_000 },
  maxBodyBytes: 65_536,
  relayHeaders: ['accept-language'],
  jwtVerification: { enabled: false, secret: '', jwksUrl: '', clockToleranceSeconds: 0, audience: '' as string | string[], typ: '' },
  forward: {} as Record<string, string>,
})

describe('server settings from the environment (Nitro\'s rule for runtimeConfig.auth)', () => {
  it('sets each key by its path in SNAKE_CASE after NUXT_AUTH_, parsed as Nitro parses env values', () => {
    const result = applyEnv(settings(), 'AUTH', {
      NUXT_AUTH_SESSION_CACHE_MAX_AGE: '0',
      NUXT_AUTH_MAX_BODY_BYTES: '1024',
      NUXT_AUTH_JWT_VERIFICATION_SECRET: 's3cret',
      NUXT_AUTH_JWT_VERIFICATION_JWKS_URL: 'https://issuer.example/jwks',
      NUXT_AUTH_JWT_VERIFICATION_ENABLED: 'true',
      NUXT_AUTH_RELAY_HEADERS: '["accept-language","x-tenant"]',
    })
    expect(result.sessionCache).toEqual({ maxAge: 0, maxEntries: 10_000 })
    expect(result.maxBodyBytes).toBe(1024)
    expect(result.jwtVerification).toEqual({ enabled: true, secret: 's3cret', jwksUrl: 'https://issuer.example/jwks', clockToleranceSeconds: 0, audience: '', typ: '' })
    expect(result.relayHeaders).toEqual(['accept-language', 'x-tenant'])
  })

  it('takes a JSON object for an object key, merged, and NITRO_AUTH_ before NUXT_AUTH_', () => {
    const result = applyEnv(settings(), 'AUTH', {
      NUXT_AUTH_FORWARD: '{"/api/shop":"https://shop.example/v1"}',
      NUXT_AUTH_SESSION_CACHE: '{"maxEntries":5}',
      NUXT_AUTH_SESSION_CACHE_MAX_AGE: '3',
      NITRO_AUTH_MAX_BODY_BYTES: '10',
      NUXT_AUTH_MAX_BODY_BYTES: '20',
    })
    expect(result.forward).toEqual({ '/api/shop': 'https://shop.example/v1' })
    expect(result.sessionCache).toEqual({ maxAge: 3, maxEntries: 5 })
    expect(result.maxBodyBytes).toBe(10)
  })

  it('a text or list setting keeps the variable\'s text where destr reads a number or a boolean: digits stay an audience or a secret', () => {
    const result = applyEnv(settings(), 'AUTH', {
      NUXT_AUTH_JWT_VERIFICATION_AUDIENCE: '1234567890',
      NUXT_AUTH_JWT_VERIFICATION_SECRET: '0012345',
      NUXT_AUTH_JWT_VERIFICATION_TYP: 'true',
    })
    expect(result.jwtVerification).toMatchObject({ audience: '1234567890', secret: '0012345', typ: 'true' })
    // Built as a list: the same.
    const listed = { ...settings(), jwtVerification: { ...settings().jwtVerification, audience: ['api'] } }
    expect(applyEnv(listed, 'AUTH', { NUXT_AUTH_JWT_VERIFICATION_AUDIENCE: '1234567' }).jwtVerification.audience).toBe('1234567')
    // A JSON list is still a list, and a JSON string loses its quotes (the workaround for Nitro's rule keeps working).
    expect(applyEnv(settings(), 'AUTH', { NUXT_AUTH_JWT_VERIFICATION_AUDIENCE: '["app-1","app-2"]' }).jwtVerification.audience).toEqual(['app-1', 'app-2'])
    expect(applyEnv(settings(), 'AUTH', { NUXT_AUTH_JWT_VERIFICATION_SECRET: '"s3cret"' }).jwtVerification.secret).toBe('s3cret')
    // Numbers stay numbers.
    expect(applyEnv(settings(), 'AUTH', { NUXT_AUTH_MAX_BODY_BYTES: '2048' }).maxBodyBytes).toBe(2048)
  })

  it('an object setting ignores a variable that is no JSON object (an empty placeholder), and says so', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const built = { ...settings(), forward: { '/api/shop': 'https://shop.example/v1' } }
    for (const value of ['', 'false', '{not json']) {
      const result = applyEnv(structuredClone(built), 'AUTH', { NUXT_AUTH_FORWARD: value, NUXT_AUTH_SESSION_CACHE: value })
      expect(result.forward, value).toEqual({ '/api/shop': 'https://shop.example/v1' })
      expect(result.sessionCache, value).toEqual({ maxAge: 10, maxEntries: 10_000 })
    }
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('NUXT_AUTH_FORWARD is not a JSON object'))
    warn.mockRestore()
  })

  it('leaves keys without a variable as built, and adds no key the build does not have', () => {
    const result = applyEnv(settings(), 'AUTH', { NUXT_AUTH_SESSIONS_SECRET: 'x', NUXT_AUTH_UNKNOWN: '1' })
    expect(result).toEqual(settings())
  })

  it('serverSettings() applies the environment once per process', async () => {
    vi.stubEnv('NUXT_AUTH_SESSION_CACHE_MAX_AGE', '7')
    const { serverSettings } = await import('../../src/runtime/shared/server-settings')
    expect(serverSettings().sessionCache.maxAge).toBe(7)
    vi.stubEnv('NUXT_AUTH_SESSION_CACHE_MAX_AGE', '8')
    expect(serverSettings().sessionCache.maxAge).toBe(7)
    vi.unstubAllEnvs()
  })
})
