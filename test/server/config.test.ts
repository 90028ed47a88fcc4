import { afterEach, describe, expect, it } from 'vitest'
import { authjsSettings } from '../../providers/authjs/server/settings'
import { resolveAuthConfig } from '../../src/runtime/shared/config'
import { runtimeConfig } from '../unit/stubs/imports'

// The base URL a server runs with (docs/reference/configuration.md, "baseURL"): nothing of the module's is in
// runtimeConfig, so the server applies NUXT_PUBLIC_AUTH_BASE_URL itself, by Nitro's rule. The build here has
// `baseURL: '/api/authjs'` (test/unit/stubs/gatekeeper-config.ts).
const saved = { ...process.env }

describe('the base URL on the server', () => {
  afterEach(() => {
    process.env = { ...saved }
  })

  it('is the build\'s, then AUTH_ORIGIN, then the app\'s runtimeConfig.public.auth.baseURL, then NUXT_PUBLIC_AUTH_BASE_URL (NITRO_ first)', () => {
    expect(resolveAuthConfig(undefined).baseURL).toBe('/api/authjs')
    process.env.AUTH_ORIGIN = 'https://origin.example/api/auth'
    expect(resolveAuthConfig(undefined).baseURL).toBe('https://origin.example/api/auth')
    expect(resolveAuthConfig({ baseURL: 'https://runtime.example/auth' }).baseURL).toBe('https://runtime.example/auth')
    process.env.NUXT_PUBLIC_AUTH_BASE_URL = 'https://env.example/auth'
    expect(resolveAuthConfig({ baseURL: 'https://runtime.example/auth' }).baseURL).toBe('https://env.example/auth')
    expect(resolveAuthConfig(undefined).baseURL).toBe('https://env.example/auth')
    process.env.NITRO_PUBLIC_AUTH_BASE_URL = 'https://nitro.example/auth'
    expect(resolveAuthConfig(undefined).baseURL).toBe('https://nitro.example/auth')
  })

  it('NUXT_PUBLIC_AUTH_BASE_URL or the app\'s runtimeConfig beats AUTH_ORIGIN also when it holds the build\'s own value', () => {
    process.env.AUTH_ORIGIN = 'https://origin.example/api/auth'
    expect(resolveAuthConfig({ baseURL: '/api/authjs' }).baseURL).toBe('/api/authjs')
    process.env.NUXT_PUBLIC_AUTH_BASE_URL = '/api/authjs'
    expect(resolveAuthConfig(undefined).baseURL).toBe('/api/authjs')
  })

  it('an empty NUXT_PUBLIC_AUTH_BASE_URL (a placeholder) is not set: AUTH_ORIGIN still applies; values are trimmed', () => {
    process.env.NUXT_PUBLIC_AUTH_BASE_URL = ''
    process.env.AUTH_ORIGIN = 'https://origin.example/api/auth\r'
    expect(resolveAuthConfig(undefined).baseURL).toBe('https://origin.example/api/auth')
    expect(resolveAuthConfig({ baseURL: '' }).baseURL).toBe('https://origin.example/api/auth')
    process.env.NUXT_PUBLIC_AUTH_BASE_URL = ' https://env.example/auth\r\n'
    expect(resolveAuthConfig(undefined).baseURL).toBe('https://env.example/auth')
  })

  it('for a provider whose endpoints are this app\'s routes (Auth.js): the path only, the origin kept as the app\'s public origin', () => {
    const inApp = (runtime: Record<string, unknown> = {}) => resolveAuthConfig({ endpointsInApp: true, ...runtime })
    expect(inApp().baseURL).toBe('/api/authjs')
    expect(inApp().configuredBaseURL).toBeUndefined()
    // The incumbent's recommended production setting: asked in-process all the same, never through the public address.
    process.env.AUTH_ORIGIN = 'https://origin.example/api/auth'
    expect(inApp()).toMatchObject({ baseURL: '/api/auth', configuredBaseURL: 'https://origin.example/api/auth' })
    // A full base URL written in nuxt.config (the build's; here through the runtime config).
    expect(inApp({ baseURL: 'https://built.example/api/auth/' })).toMatchObject({ baseURL: '/api/auth/', configuredBaseURL: 'https://built.example/api/auth/' })
    process.env.NUXT_PUBLIC_AUTH_BASE_URL = 'https://env.example/auth'
    expect(inApp()).toMatchObject({ baseURL: '/auth', configuredBaseURL: 'https://env.example/auth', pages: { login: '/login' } })
    // Other providers keep the full URL: their backend is elsewhere.
    expect(resolveAuthConfig(undefined).baseURL).toBe('https://env.example/auth')
  })

  it('puts a login page served under baseURL (Auth.js\'s) under the app\'s base too: it is reached by a page load', () => {
    const pages = { login: null, redirectQueryKey: 'callbackUrl', serverLoginPath: '/signin' }
    expect(resolveAuthConfig({ endpointsInApp: true, pages }, '/app/').pages.login).toBe('/app/api/authjs/signin')
    expect(resolveAuthConfig({ endpointsInApp: true, pages }).pages.login).toBe('/api/authjs/signin')
    // On the configured origin when the base URL names one: the sign-in flow's redirects and cookies belong there.
    expect(resolveAuthConfig({ endpointsInApp: true, pages, baseURL: 'https://public.example/api/auth' }, '/app/').pages).toMatchObject({ login: 'https://public.example/api/auth/signin' })
  })

  it('reaches the Auth.js server half (its in-process session call) when the build set one of its own', () => {
    runtimeConfig.auth = { secret: 's', provider: { basePath: '/api/authjs' } }
    expect(authjsSettings()).toMatchObject({ baseURL: '/api/authjs', basePath: '/api/authjs', secret: 's' })
  })
})
