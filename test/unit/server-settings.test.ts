import { describe, expect, it, vi } from 'vitest'
import { applyEnv } from '../../src/runtime/shared/env'

// The build's settings as the module generates them (only what these tests read).
vi.mock('#gatekeeper-server-config', () => ({ default: { sessionCache: { maxAge: 10, maxEntries: 10_000 }, maxBodyBytes: 65_536 } }))

const settings = () => ({
  sessionCache: { maxAge: 10, maxEntries: 10_000 },
  maxBodyBytes: 65_536,
  relayHeaders: ['accept-language'],
  jwtVerification: { enabled: false, secret: '', jwksUrl: '', clockToleranceSeconds: 0 },
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
    expect(result.jwtVerification).toEqual({ enabled: true, secret: 's3cret', jwksUrl: 'https://issuer.example/jwks', clockToleranceSeconds: 0 })
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
