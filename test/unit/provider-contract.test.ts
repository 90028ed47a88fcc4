import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it, expect } from 'vitest'
import { providers } from '../../providers'
import type { ClientStrategy } from '../../src/runtime/core/strategy'
import { RELAY_CLIENT_CAPABILITIES } from '../../src/runtime/core/protocol'
import { AuthError } from '../../src/runtime/core/errors'
import { writePointer } from '../../src/runtime/core/pointer'
import { withoutPointer } from '../../src/runtime/core/pointer-removal'

/**
 * Every provider in the registry keeps the shared obligations (docs/contributing/architecture.md): it answers to at least one
 * `type`, resolves minimal options without complaint, produces runtime config the core can use, names a client
 * strategy module that exists and implements the client contract, and reports bad options under its own path.
 */

const providersDir = fileURLToPath(new URL('../../providers/', import.meta.url))
const entries = Object.entries(providers)

type Resolved = { options: Record<string, unknown>, issues: Array<{ key: string, problem: string, fix: string }> }
const resolve = (definition: (typeof providers)[string], input: unknown) => (definition.resolve as unknown as (input: unknown, path: string) => Resolved)(input, 'auth.provider')

describe('relay strategy', () => {
  it('has what RELAY_CLIENT_CAPABILITIES declares: the browser\'s stand-in with httpOnly cookies is generated from it', async () => {
    const { relayStrategy } = await import('../../src/runtime/app/relay')
    expect(RELAY_CLIENT_CAPABILITIES.refresh).toBe(typeof relayStrategy.refresh === 'function')
    expect([...RELAY_CLIENT_CAPABILITIES.actions].sort()).toEqual(Object.keys(relayStrategy.actions ?? {}).sort())
  })
})

describe('provider registry', () => {
  it('is not empty and has unique types', () => {
    expect(entries.length).toBeGreaterThan(0)
    const types = entries.flatMap(([, definition]) => definition.types)
    expect(new Set(types).size).toBe(types.length)
  })
})

describe.each(entries)('provider %s', (_name, definition) => {
  it('answers to at least one non-empty type', () => {
    expect(definition.types.length).toBeGreaterThan(0)
    for (const type of definition.types) expect(type).toMatch(/^\w+$/)
  })

  it.each(definition.types.map(type => [type]))('resolves the minimal input { type: %j } without issues', (type) => {
    const { issues } = resolve(definition, { type })
    expect(issues).toEqual([])
  })

  it.each(definition.types.map(type => [type]))('produces usable runtime config for { type: %j }', (type) => {
    const { options } = resolve(definition, { type })
    const config = (definition.runtimeConfig as (options: unknown, context: { baseURL: string }) => ReturnType<typeof definition.runtimeConfig>)(options, { baseURL: '/api/auth' })
    expect(config.pages).toBeTypeOf('object')
    expect(config.pages.login === null || (typeof config.pages.login === 'string' && config.pages.login.startsWith('/'))).toBe(true)
    expect(config.provider).toBeTypeOf('object')
    expect(config.provider).not.toBeNull()
    for (const token of [config.token, config.refreshToken]) {
      if (token === null) continue
      expect(typeof token.cookie.name).toBe('string')
      expect(token.cookie.name.length).toBeGreaterThan(0)
      expect(typeof token.headerName).toBe('string')
      expect(token.cookie.maxAge).toBeGreaterThan(0)
      expect(token.maxAgeInSeconds).toBeGreaterThan(0)
    }
    // The access token is sent in a header; the refresh token travels in the refresh request body.
    if (config.token) expect(config.token.headerName.length).toBeGreaterThan(0)
    if (config.refreshToken) {
      expect(config.token).not.toBeNull()
      expect(config.refreshToken.cookie.name).not.toBe(config.token!.cookie.name)
      expect(config.refreshToken.cookie.httpOnly).toBe(config.token!.cookie.httpOnly)
    }
    // Runtime config is public: it must survive serialisation unchanged (no functions, no classes).
    expect(JSON.parse(JSON.stringify(config))).toEqual(config)
  })

  it('names a client strategy module that exists and implements signIn, signOut and getSession', async () => {
    const file = `${providersDir}${definition.clientStrategy}.ts`
    expect(existsSync(file), file).toBe(true)
    const module = await import(/* @vite-ignore */ file) as { default: ClientStrategy }
    for (const method of ['signIn', 'signOut', 'getSession'] as const) expect(module.default[method], method).toBeTypeOf('function')
    for (const method of ['signUp', 'refresh'] as const) {
      if (method in module.default) expect(module.default[method], method).toBeTypeOf('function')
    }
  })

  it('declares what its client strategy has: the browser\'s stand-in answers from these until the code arrives', async () => {
    const module = await import(/* @vite-ignore */ `${providersDir}${definition.clientStrategy}.ts`) as { default: ClientStrategy }
    expect(definition.clientCapabilities.refresh).toBe(typeof module.default.refresh === 'function')
    expect([...definition.clientCapabilities.actions].sort()).toEqual(Object.keys(module.default.actions ?? {}).sort())
  })

  it('names, if it has one, a strategy without refresh that is its client strategy less `refresh`', async () => {
    const client = await import(/* @vite-ignore */ `${providersDir}${definition.clientStrategy}.ts`) as { default: ClientStrategy }
    if (!definition.clientStrategyWithoutRefresh) {
      // A strategy that refreshes names one, or its backend refresh would ship to browsers that never call it.
      expect(client.default.refresh).toBeUndefined()
      return
    }
    const withoutRefresh = await import(/* @vite-ignore */ `${providersDir}${definition.clientStrategyWithoutRefresh}.ts`) as { default: ClientStrategy }
    expect(client.default.refresh).toBeTypeOf('function')
    expect('refresh' in withoutRefresh.default).toBe(false)
    const { refresh: _refresh, ...rest } = client.default
    expect(withoutRefresh.default).toEqual(rest)
  })

  it.each(definition.types.map(type => [type]))('names in tokenPointers every place its sign-in takes a token from ({ type: %j })', async (type) => {
    const { options } = resolve(definition, { type })
    const config = (definition.runtimeConfig as (options: unknown, context: { baseURL: string }) => ReturnType<typeof definition.runtimeConfig>)(options, { baseURL: '/api/auth' })
    const pointers = definition.tokenPointers?.(options as never) ?? []
    // A provider that keeps no tokens (Auth.js: its own session cookie) has none to name.
    if (!config.token) {
      expect(pointers).toEqual([])
      return
    }
    expect(pointers.length).toBeGreaterThan(0)
    const { default: strategy } = await import(/* @vite-ignore */ `${providersDir}${definition.clientStrategy}.ts`) as { default: ClientStrategy }
    const signIn = (answer: unknown) => strategy.signIn({
      options: config.provider,
      token: () => null,
      refreshToken: () => null,
      request: async () => answer as never,
      url: path => path,
      error: (code, message, extra) => new AuthError(code, message, extra),
    }, {})
    // An answer with a token at each pointer signs in and yields those tokens…
    let answer: unknown = { user: { name: 'A' } }
    pointers.forEach((pointer, index) => answer = writePointer(answer as Record<string, unknown>, pointer, `token-${index}`))
    const result = await signIn(answer)
    expect([result.token, result.refreshToken].filter(Boolean)).toEqual(pointers.map((_, index) => `token-${index}`))
    // …and taking out what the pointers point at leaves none to find: the relayed sign-up answer has no token.
    let stripped = answer
    for (const pointer of pointers) stripped = withoutPointer(stripped, pointer)
    await expect(signIn(stripped)).rejects.toMatchObject({ code: 'BAD_RESPONSE' })
    expect(JSON.stringify(stripped)).not.toContain('token-')
  })

  it.each(['//evil.example/login', 'login', 'javascript:alert(1)'])('reports a login page that is neither an app path nor an http(s) URL (%s) under auth.provider.pages.login', (login) => {
    const [type] = definition.types
    const { issues } = resolve(definition, { type, pages: { login } })
    expect(issues.map(issue => issue.key)).toContain('auth.provider.pages.login')
  })

  it('reports a garbage endpoint under auth.provider.* (providers with configurable endpoints)', () => {
    const [type] = definition.types
    const { options } = resolve(definition, { type })
    // Auth.js fixes its own endpoints; the others list theirs in `endpoints`.
    const endpointNames = Object.keys((options.endpoints ?? {}) as Record<string, unknown>)
    const silent: string[] = []
    for (const name of endpointNames) {
      for (const garbage of [42, 'not-an-endpoint', { path: 42 }, { path: '' }, { method: 'fetch' }]) {
        const { issues } = resolve(definition, { type, endpoints: { [name]: garbage } })
        const label = `${name}: ${JSON.stringify(garbage)}`
        if (!issues.some(issue => issue.key.startsWith(`auth.provider.endpoints.${name}`))) silent.push(label)
        for (const issue of issues) {
          expect(issue.key.startsWith('auth.provider.'), label).toBe(true)
          expect(issue.fix.length, label).toBeGreaterThan(0)
        }
      }
    }
    // Every garbage endpoint is reported; listed here are the ones that were silently accepted.
    expect(silent).toEqual([])
  })
})

describe('the providers\' build-time code in the package', () => {
  it('imports nothing but types from the runtime\'s sources: the packaged module loads it before its paths are rewritten for dist', () => {
    const files = readdirSync(providersDir, { recursive: true, encoding: 'utf8' }).filter(file => /\.ts$/.test(file) && !file.includes('node_modules'))
    const valueImports = files.flatMap(file => [...readFileSync(join(providersDir, file), 'utf8').matchAll(/^(?:import|export)\s+(?!type\b)(?:\{[^}]*\}|\*(?:\s+as\s+\w+)?|\w+(?:\s*,\s*\{[^}]*\})?)\s+from\s+['"](?:\.\.\/)+src\/runtime\/[^'"]*['"]/gm)].map(match => `${file}: ${match[0]}`))
    expect(files.length).toBeGreaterThan(10)
    expect(valueImports).toEqual([])
  })
})
