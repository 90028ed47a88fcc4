import { describe, expect, it, vi } from 'vitest'
import { resolveOrigin } from '../../providers/authjs/server/origin'
import { resolveSecret } from '../../providers/authjs/server/secret'

const base = { trustHost: false, headers: { 'host': 'app.internal:3000', 'x-forwarded-host': 'app.example.com', 'x-forwarded-proto': 'https' }, protocol: 'http' as const, dev: false }

describe('the Auth.js origin table (docs: authjs provider, "The app\'s origin")', () => {
  it('AUTH_URL wins, whatever the headers say', () => {
    expect(resolveOrigin({ ...base, authUrl: 'https://shop.example/some/path', trustHost: true })).toEqual({ origin: 'https://shop.example' })
  })

  it('trustHost takes X-Forwarded-Host and -Proto (the first of a list), else Host and the connection\'s protocol', () => {
    expect(resolveOrigin({ ...base, trustHost: true })).toEqual({ origin: 'https://app.example.com' })
    expect(resolveOrigin({ ...base, trustHost: true, headers: { 'host': 'a', 'x-forwarded-host': 'b.example, c.example', 'x-forwarded-proto': 'https,http' } })).toEqual({ origin: 'https://b.example' })
    expect(resolveOrigin({ ...base, trustHost: true, headers: { host: 'app.internal:3000' } })).toEqual({ origin: 'http://app.internal:3000' })
  })

  it('in development without either, the request\'s own Host, never the forwarded one', () => {
    expect(resolveOrigin({ ...base, dev: true })).toEqual({ origin: 'http://app.internal:3000' })
  })

  it('in production without either, an issue naming AUTH_URL and trustHost', () => {
    const result = resolveOrigin(base)
    expect(result).toHaveProperty('issue.env', 'AUTH_URL')
    expect((result as { issue: { fix: string } }).issue.fix).toContain('trustHost')
    // The variable that sets it at run time, and the incumbent's name for it, which is not read.
    expect((result as { issue: { fix: string } }).issue.fix).toContain('NUXT_AUTH_PROVIDER_TRUST_HOST=true; @sidebase/nuxt-auth\'s NUXT_PUBLIC_AUTH_PROVIDER_TRUST_HOST is not read')
  })

  it('refuses a host header that is not a host name, and an AUTH_URL that is not a URL', () => {
    expect(resolveOrigin({ ...base, trustHost: true, headers: { 'x-forwarded-host': 'evil.example/path?x=' } })).toHaveProperty('issue.env', 'AUTH_URL')
    expect(resolveOrigin({ ...base, trustHost: true, headers: { 'host': 'app', 'x-forwarded-proto': 'javascript' } })).toHaveProperty('issue.env', 'AUTH_URL')
    expect(resolveOrigin({ ...base, authUrl: 'not a url' })).toHaveProperty('issue.env', 'AUTH_URL')
  })
})

describe('the Auth.js secret', () => {
  it('takes the first one given: config, NUXT_AUTH_SECRET, AUTH_SECRET', () => {
    expect(resolveSecret([undefined, 'runtime', 'env'], false)).toEqual({ secret: 'runtime' })
    expect(resolveSecret([['new', 'old'], 'runtime'], false)).toEqual({ secret: ['new', 'old'] })
  })

  it('none in production is an issue naming AUTH_SECRET; in development a random one and one warning', () => {
    expect(resolveSecret([undefined, '', undefined], false)).toHaveProperty('issue.env', 'AUTH_SECRET')
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const first = resolveSecret([undefined], true) as { secret: string, generated: boolean }
    const second = resolveSecret([''], true) as { secret: string }
    expect(first.generated).toBe(true)
    expect(first.secret).toMatch(/^[\da-f]{64}$/)
    expect(second.secret).toBe(first.secret)
    expect(warn).toHaveBeenCalledTimes(1)
    expect(String(warn.mock.calls[0]![0])).toContain('AUTH_SECRET')
    warn.mockRestore()
  })
})
