import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { addComponent, addImports, addPlugin, addServerHandler, addServerImports, addServerPlugin, addRouteMiddleware, addTemplate, addTypeTemplate, createResolver, defineNuxtModule, hasNuxtModule, resolvePath, tryResolveModule, useLogger } from '@nuxt/kit'
import { createDefu, defu } from 'defu'
import { genAugmentation } from 'knitwork'
import { parseURL } from 'ufo'
import { setupDevtools } from './devtools'
import { AuthConfigError, resolveModuleOptions, type ModuleOptions } from './options'
import { checkPages } from './page-checks'
import { checkOwnAuthRoute } from './route-checks'
import { AUTH_MIDDLEWARE_NAMES, GLOBAL_GUARD_NAME, NAVIGATION_START_NAME, RELAY_CLIENT_CAPABILITIES, RELAY_ROUTES } from './runtime/core/protocol'
import { cleartextUpstreamWarning, sendsTokenInClear } from './runtime/shared/cleartext-upstream'

export type { ModuleOptions, GlobalAppMiddlewareOptions } from './options'
export type { LocalProviderOptions } from '../providers'
export type { PublicAuthConfig } from './runtime/core/config'
// What apps name in their own code (the incumbent exports RefreshHandler from its entry too).
export type { Ability, AccessRequirement, AuthErrorCode, AuthPageMeta, AuthStatus, GetSessionOptions, RefreshHandler, Session, SessionData, SessionFallback, SignInResult, SignOutOptions, SignOutResult, SignUpOptions, UseAuthReturn, UseAuthStateReturn } from './runtime/types'

const logger = useLogger('nuxt-gatekeeper')

/**
 * defu, except that a list replaces the default list instead of joining it: `runtimeConfig.auth.relayHeaders: []`
 * means none, as NUXT_AUTH_RELAY_HEADERS='[]' does (defu would keep the built ones, and add to them otherwise).
 */
const overridingLists = createDefu((settings, key, value) => {
  if (!Array.isArray(value)) return false
  settings[key] = value
  return true
})

export default defineNuxtModule<ModuleOptions>({
  meta: {
    name: 'nuxt-gatekeeper',
    configKey: 'auth',
    compatibility: { nuxt: '>=3.16.0' },
  },
  defaults: {},
  async setup(input, nuxt) {
    const resolved = resolveModuleOptions(input, process.env)
    if (!resolved.enabled) {
      logger.info('auth.isEnabled is false: nuxt-gatekeeper adds nothing')
      return
    }
    if (!nuxt.options.dev && resolved.buildBaseURL !== resolved.public.baseURL) {
      // Said once per build: a value from a .env read while building is not the production server's unless set there.
      const variable = resolved.public.originEnvKey
      const origin = resolved.providerServer ? ` (its origin then comes from AUTH_URL, or from the proxy's headers with trustHost)` : ''
      logger.info(`${variable} (auth.originEnvKey) is set while building: pages prerendered now carry it, a server reads it again when it starts, and one started without it uses ${JSON.stringify(resolved.public.baseURL)}${origin}, as @sidebase/nuxt-auth does`)
    }
    const resolver = createResolver(import.meta.url)
    // Built package: dist/module.mjs next to dist/providers. Stub/dev: src/module.ts next to ../providers.
    const providersDir = existsSync(resolver.resolve('./providers')) ? resolver.resolve('./providers') : resolver.resolve('../providers')
    const runtimeDir = resolver.resolve('./runtime')

    // The public config is generated into #gatekeeper-config. Not into runtimeConfig.public.auth: Nitro clones and
    // env-scans runtimeConfig on every request (two keys cost a page render about 1 %). NUXT_PUBLIC_AUTH_BASE_URL still
    // works: the server applies it once per process (runtime/shared/config.ts) and server/plugins/public-config.ts
    // passes a changed base URL on to the browser. Keys an app puts into runtimeConfig.public.auth itself still win.
    const configTemplate = addTemplate({
      filename: 'gatekeeper/config.mjs',
      // On disk: Nitro (the /api/_auth routes) imports it too.
      write: true,
      getContents: () => `export default ${JSON.stringify(resolved.public, null, 2)}\n`,
    })
    nuxt.options.alias['#gatekeeper-config'] = configTemplate.dst
    addServerPlugin(resolver.resolve(runtimeDir, 'server/plugins/public-config'))
    addTypeTemplate({
      filename: 'types/gatekeeper-config.d.ts',
      getContents: () => `declare module '#gatekeeper-config' {\n  const config: import(${JSON.stringify(resolver.resolve(runtimeDir, 'core/config'))}).PublicAuthConfig\n  export default config\n}\n`,
    }, { nuxt: true, nitro: true })
    // Server-only settings: generated too, with NUXT_AUTH_* applied once per process (runtime/shared/
    // server-settings.ts). Keys an app put into runtimeConfig.auth itself override them and leave runtimeConfig.
    const { sessionCache, maxBodyBytes, relayHeaders, jwtVerification, forward, sessions: ownSessions, sharedState: ownSharedState, ...otherRuntimeAuth } = (nuxt.options.runtimeConfig.auth ?? {}) as Record<string, unknown>
    if (forward !== undefined) {
      // Its prefixes are server routes, registered now from auth.forward: here they would be half applied (no route).
      throw new AuthConfigError([{ key: 'runtimeConfig.auth.forward', problem: 'is set, but forwarding routes are registered at build time from auth.forward', fix: 'move it to auth.forward (NUXT_AUTH_FORWARD still changes the upstreams at run time)' }])
    }
    const serverSettings = overridingLists({ sessionCache, maxBodyBytes, relayHeaders, jwtVerification, ...(resolved.server.sessions ? { sessions: ownSessions } : {}), ...(resolved.server.sharedState ? { sharedState: ownSharedState } : {}) }, resolved.server, {
      // One per build, so every instance of it knows another's renders (core/protocol.ts, RENDER_HEADER); instances
      // built apart share one through NUXT_AUTH_RENDER_MARK. Server code only: no page or client chunk has it.
      renderMark: randomUUID(),
    })
    // Nitro copies the runtime config and looks each key up in the environment on every request: no empty key.
    if (Object.keys(otherRuntimeAuth).length) nuxt.options.runtimeConfig.auth = otherRuntimeAuth as never
    else delete nuxt.options.runtimeConfig.auth
    const serverConfigTemplate = addTemplate({
      filename: 'gatekeeper/server-config.mjs',
      write: true,
      getContents: () => `export default ${JSON.stringify(serverSettings, null, 2)}\n`,
    })
    nuxt.options.alias['#gatekeeper-server-config'] = serverConfigTemplate.dst
    addServerPlugin(resolver.resolve(runtimeDir, 'server/plugins/render-mark'))
    addTypeTemplate({
      filename: 'types/gatekeeper-server-config.d.ts',
      getContents: () => `declare module '#gatekeeper-server-config' {\n  const settings: import(${JSON.stringify(resolver.resolve(runtimeDir, 'shared/server-settings'))}).ServerSettings\n  export default settings\n}\n`,
    }, { nuxt: true, nitro: true, node: true })

    nuxt.options.alias['#auth'] = resolver.resolve(runtimeDir, 'types')
    nuxt.options.alias['#auth-core'] = resolver.resolve(runtimeDir, 'core/index')
    nuxt.options.alias['#auth-server'] = resolver.resolve(runtimeDir, 'server/index')
    if (nuxt.options.nitro.static) {
      // A generated site has no server: what needs one cannot work there, so the build says so.
      const needServer: Array<{ key: string, problem: string, fix: string }> = []
      if (resolved.server.sessions) needServer.push({ key: 'auth.sessions', problem: 'is set, but a generated site (nuxi generate) has no server to keep sessions on', fix: 'remove auth.sessions for a generated site, or deploy with a server (nuxi build)' })
      else if (resolved.public.token?.cookie.httpOnly) needServer.push({ key: 'auth.provider.token.httpOnlyCookieAttribute', problem: 'is true, but a generated site (nuxi generate) has no server for the /api/_auth routes that httpOnly cookies need', fix: 'set it to false for a generated site, or deploy with a server (nuxi build)' })
      if (Object.keys(resolved.server.forward).length > 0) needServer.push({ key: 'auth.forward', problem: 'is set, but a generated site (nuxi generate) has no server for its forwarding routes', fix: 'remove auth.forward for a generated site (call the API with useAuthFetch), or deploy with a server (nuxi build)' })
      // A full base URL changes nothing: the browser asks a provider served by the app on the page's own origin.
      if (resolved.providerServer) needServer.push({ key: 'auth.provider.type', problem: `is ${JSON.stringify((input.provider as { type?: unknown } | undefined)?.type)}, whose backend runs inside the app's server, which a generated site (nuxi generate) does not have`, fix: 'deploy with a server (nuxi build), or use the local or refresh provider against a backend of its own' })
      if (needServer.length > 0) throw new AuthConfigError(needServer)
    }
    // Which relay routes this app has (see RELAY_ROUTES): httpOnly token cookies need them all; refresh tokens
    // are rotated through the server whenever there is one (a statically generated site has none).
    const relayed = new Set<string>()
    if (resolved.public.token?.cookie.httpOnly) relayed.add('httpOnly')
    if (resolved.public.refreshToken && !nuxt.options.nitro.static) relayed.add('refresh')
    // The browser's strategy: the relay through /api/_auth when the token cookie is httpOnly, else the provider's
    // own; either refreshes through the relay route when there is one. Decided here, so what is not used is not in
    // the client bundle; both templates below follow this one decision.
    const browserUsesRelay = relayed.has('httpOnly')
    const browserRefreshesThroughRelay = relayed.has('refresh')
    // Only the configured provider's client code is compiled into the app.
    const providerTemplate = addTemplate({
      filename: 'gatekeeper/provider.mjs',
      // On disk: Nitro (the /api/_auth routes) imports it too, and Nitro does not see Vite's virtual files.
      write: true,
      getContents: () => {
        const provider = JSON.stringify(resolver.resolve(providersDir, resolved.clientStrategy))
        const relay = JSON.stringify(resolver.resolve(runtimeDir, 'app/relay'))
        const relayedRefresh = JSON.stringify(resolver.resolve(runtimeDir, 'app/relayed-refresh'))
        // The default export is the server's (plugins/auth.ts); the browser imports only `browserStrategy`, so a
        // client bundle holds the provider's own refresh only when the browser calls it.
        const lines = [`import strategy from ${provider}`, 'export default strategy']
        let base = 'strategy'
        if (browserUsesRelay) {
          lines.push(`import { relayStrategy } from ${relay}`)
          base = 'relayStrategy'
        }
        else if (browserRefreshesThroughRelay) {
          lines.push(`import strategyWithoutRefresh from ${JSON.stringify(resolver.resolve(providersDir, resolved.clientStrategyWithoutRefresh))}`)
          base = 'strategyWithoutRefresh'
        }
        if (browserRefreshesThroughRelay) lines.push(`import { withRelayedRefresh } from ${relayedRefresh}`, `export const browserStrategy = withRelayedRefresh(${base})`)
        else lines.push(`export const browserStrategy = ${base}`)
        return `${lines.join('\n')}\n`
      },
    })
    nuxt.options.alias['#auth-provider'] = providerTemplate.dst
    // The browser's stand-in for that strategy (app/lazy-strategy.ts): the real one comes with the backend-calling
    // chunk (app/backend-code.ts), so a page load that calls no backend does without the provider's code.
    const browserStrategyTemplate = addTemplate({
      filename: 'gatekeeper/browser-strategy.mjs',
      getContents: () => {
        // What the real browser strategy (above) has: the relay's, else the provider's; a refresh whenever it goes
        // through the relay route.
        const base = browserUsesRelay ? RELAY_CLIENT_CAPABILITIES : resolved.clientCapabilities
        const capabilities = { refresh: browserRefreshesThroughRelay || base.refresh, actions: base.actions }
        return `import { lazyStrategy } from ${JSON.stringify(resolver.resolve(runtimeDir, 'app/lazy-strategy'))}\nexport default /* #__PURE__ */ lazyStrategy(${JSON.stringify(capabilities)})\n`
      },
    })
    nuxt.options.alias['#auth-browser-strategy'] = browserStrategyTemplate.dst
    // Nitro bundles the templates it imports (in development it leaves the build directory to Node, which
    // cannot load the provider's TypeScript they import).
    nuxt.options.nitro.externals = defu(nuxt.options.nitro.externals, { inline: [configTemplate.dst, providerTemplate.dst] })
    addTypeTemplate({
      filename: 'types/gatekeeper-provider.d.ts',
      getContents: () => {
        const strategyType = `import(${JSON.stringify(resolver.resolve(runtimeDir, 'core/strategy'))}).ClientStrategy<unknown>`
        return `declare module '#auth-provider' {\n  const strategy: ${strategyType}\n  export default strategy\n  export const browserStrategy: ${strategyType}\n}\ndeclare module '#auth-browser-strategy' {\n  const strategy: ${strategyType}\n  export default strategy\n}\n`
      },
    }, { nuxt: true, nitro: true })
    nuxt.options.build.transpile.push(runtimeDir, providersDir)

    // What the configuration needs of the app layer, so the rest stays out of the client bundle: the token store
    // only for a provider that keeps tokens (Auth.js keeps its own cookies), the refresher
    // where there are refresh tokens (in the browser only where page scripts can read them; with httpOnly
    // cookies the server refreshes, and an explicit refresh() asks it to), the lock between tabs only where the
    // browser spends refresh tokens (its localStorage lease for browsers without Web Locks is a chunk of its own,
    // loaded only there), and Pinia only in apps that use it.
    const keepsTokens = resolved.public.token !== null
    const refreshes = resolved.public.refreshToken !== null
    const browserRefreshes = refreshes && !resolved.public.token?.cookie.httpOnly
    // Known once every module is installed (@pinia/nuxt may come after this one; it registers as 'pinia').
    let hasPinia = false
    nuxt.hook('modules:done', () => {
      hasPinia = hasNuxtModule('pinia', nuxt) || hasNuxtModule('@pinia/nuxt', nuxt)
    })
    const appHasPinia = () => hasPinia
    const featuresTemplate = addTemplate({
      filename: 'gatekeeper/features.mjs',
      getContents: () => {
        const refresher = JSON.stringify(resolver.resolve(runtimeDir, 'app/refresher'))
        const lock = JSON.stringify(resolver.resolve(runtimeDir, 'app/tabs/lock'))
        const store = JSON.stringify(resolver.resolve(runtimeDir, 'app/store'))
        const serverHeld = JSON.stringify(resolver.resolve(runtimeDir, 'app/server-held-refresh'))
        const tokens = JSON.stringify(resolver.resolve(runtimeDir, keepsTokens ? 'app/tokens' : 'app/no-tokens'))
        return [
          '// Generated by nuxt-gatekeeper from the auth options (see its module.ts).',
          `export { createAppTokens } from ${tokens}`,
          refreshes ? `import { createRefresher as refresher } from ${refresher}` : '',
          `export const createRefresher = ${refreshes ? (browserRefreshes ? 'refresher' : 'import.meta.server ? refresher : null') : 'null'}`,
          // An explicit refresh() where the page cannot reach the refresh token: the relay route spends it.
          refreshes && !browserRefreshes ? `export { createServerHeldRefresh } from ${serverHeld}` : 'export const createServerHeldRefresh = null',
          browserRefreshes ? `export { withTokenLock } from ${lock}` : 'export const withTokenLock = task => task()',
          appHasPinia() ? `export { authPiniaStore as authStore } from ${store}` : `export { plainAuthStore as authStore } from ${JSON.stringify(resolver.resolve(runtimeDir, 'app/state'))}`,
          '',
        ].join('\n')
      },
    })
    nuxt.options.alias['#gatekeeper-features'] = featuresTemplate.dst
    // No prefetch links for the module's lazy chunks: the code that calls the backend (the browser loads it once
    // nobody is signed in, app/scheduling.ts, or for the first check, refresh or sign-out; app/backend-code.ts), the
    // fetch helper's (loaded by the first call of the helper useAuthFetch() returns, app/auth-fetch.ts) and the lease lock (only browsers
    // without Web Locks load it, tabs/lock.ts). A signed-in page load may need none of them, and every link in the
    // head is work for every server render: unhead normalises each tag (one link was 84 k of the bench's 7.24 M
    // instructions per view, docs/benchmarks.md).
    const lazyChunks = ['runtime/app/backend-code', 'runtime/app/auth-fetch', 'runtime/app/tabs/lease-lock']
    nuxt.hook('build:manifest', (manifest) => {
      for (const [id, resource] of Object.entries(manifest)) {
        const path = id.replace(/\.[cm]?[jt]s$/, '')
        if (lazyChunks.some(chunk => path.endsWith(chunk))) resource.prefetch = false
      }
    })
    addTypeTemplate({
      filename: 'types/gatekeeper-features.d.ts',
      getContents: () => {
        const state = `import(${JSON.stringify(resolver.resolve(runtimeDir, 'app/state'))})`
        const store = appHasPinia() ? `ReturnType<typeof import(${JSON.stringify(resolver.resolve(runtimeDir, 'app/store'))}).useAuthStore>` : `${state}.AuthState`
        return [
          `declare module '#gatekeeper-features' {`,
          `  export const createAppTokens: typeof import(${JSON.stringify(resolver.resolve(runtimeDir, 'app/tokens'))}).createAppTokens`,
          `  export const createRefresher: typeof import(${JSON.stringify(resolver.resolve(runtimeDir, 'app/refresher'))}).createRefresher | null`,
          `  export const createServerHeldRefresh: typeof import(${JSON.stringify(resolver.resolve(runtimeDir, 'app/server-held-refresh'))}).createServerHeldRefresh | null`,
          `  export const withTokenLock: typeof import(${JSON.stringify(resolver.resolve(runtimeDir, 'app/tabs/lock'))}).withTokenLock`,
          `  /** useAuthState().store: a Pinia store in apps with @pinia/nuxt, else the module's reactive state. */`,
          `  export type AuthStore = ${store}`,
          `  export const authStore: (nuxtApp: import('nuxt/app').NuxtApp, fields: ${state}.AuthStateFields, state: ${state}.AuthState) => AuthStore`,
          `}`,
          '',
        ].join('\n')
      },
    }, { nuxt: true, nitro: true, node: true })

    // No Pinia plugin: the state is a plain reactive object in the payload (runtime/app/state.ts), which
    // useAuthState().store wraps in the app's Pinia when it has one (@pinia/nuxt; see the features above).
    // Pre-bundled up front: discovering it on the first dev page load makes Vite reload the page.
    nuxt.options.vite.optimizeDeps ||= {}
    nuxt.options.vite.optimizeDeps.include ||= []
    nuxt.options.vite.optimizeDeps.include.push('jose')

    // `auth.authorization.roles` (a pointer or a function's source), for the app and Nitro alike.
    const rolesTemplate = addTemplate({
      filename: 'gatekeeper/roles.mjs',
      write: true,
      getContents: () => `export default ${resolved.rolesSource}\n`,
    })
    nuxt.options.alias['#gatekeeper-roles'] = rolesTemplate.dst
    nuxt.options.nitro.externals = defu(nuxt.options.nitro.externals, { inline: [rolesTemplate.dst] })
    addTypeTemplate({
      filename: 'types/gatekeeper-roles.d.ts',
      getContents: () => `declare module '#gatekeeper-roles' {\n  const roles: import(${JSON.stringify(resolver.resolve(runtimeDir, 'core/ability'))}).RolesSource\n  export default roles\n}\n`,
    }, { nuxt: true, nitro: true })
    // Abilities live in files both sides import (shared/): defineAbility is auto-imported in the app and in Nitro.
    const abilityModule = resolver.resolve(runtimeDir, 'core/ability')
    addComponent({ name: 'AuthCan', filePath: resolver.resolve(runtimeDir, 'app/components/AuthCan') })

    // useAuth and useAuthState replace an app's own of that name, as the incumbent's did. The names the incumbent
    // did not have are common in apps (a `useAuthFetch` wrapping $fetch with the token): an app's own composable of
    // that name stays the app's, with a warning. (A module's auto-import outranks the app's composables otherwise;
    // the module's own code imports its composables explicitly.)
    const appFirst = { priority: -(nuxt.options._layers.length + 1) }
    const appFirstImports = [
      { name: 'useAuthFetch', from: resolver.resolve(runtimeDir, 'app/composables/useAuthFetch'), ...appFirst },
      { name: 'defineAbility', from: abilityModule, ...appFirst },
    ]
    addImports([
      { name: 'useAuth', from: resolver.resolve(runtimeDir, 'app/composables/useAuth') },
      { name: 'useAuthState', from: resolver.resolve(runtimeDir, 'app/composables/useAuthState') },
      ...appFirstImports,
    ])
    const warnedShadows = new Set<string>()
    // The app's and its layers' own files (another module's import of the same name is that module's business).
    const appRoots = nuxt.options._layers.map(layer => layer.config.rootDir)
    nuxt.hook('imports:extend', (imports) => {
      for (const own of imports) {
        const ours = appFirstImports.find(entry => entry.name === (own.as ?? own.name) && entry.from !== own.from)
        if (!ours || warnedShadows.has(own.from) || !appRoots.some(root => own.from.startsWith(root)) || own.from.includes('/node_modules/')) continue
        warnedShadows.add(own.from)
        logger.warn(`${relative(nuxt.options.rootDir, own.from)} exports ${ours.name}, a name the module auto-imports too: the app's own is used. Rename yours to use the module's.`)
      }
    })
    addPlugin(resolver.resolve(runtimeDir, 'app/plugins/auth'))
    if (nuxt.options.dev) {
      // The browser's failures, logged once each with their fix (app/dev-log.ts), reach the terminal too.
      nuxt.hook('vite:serverCreated', (server, { isClient }) => {
        if (isClient) server.ws.on('gatekeeper:error', (data: { line?: unknown }) => logger.warn(`(browser) ${String(data?.line)}`))
      })
      // The Nuxt DevTools tab (src/devtools.ts): its plugin, page and tab exist in development only.
      const providerType = (input.provider as { type?: unknown } | undefined)?.type
      setupDevtools(nuxt, { runtimeDir, info: { provider: typeof providerType === 'string' ? providerType : 'local', sessions: Boolean(resolved.server.sessions) } })
    }
    if (resolved.refreshHandler) {
      const handlerPath = await resolvePath(resolved.refreshHandler, { cwd: nuxt.options.rootDir })
      if (!existsSync(handlerPath)) {
        throw new AuthConfigError([{ key: 'auth.sessionRefresh.handler', problem: `points at ${handlerPath}, which does not exist`, fix: 'give a path relative to the app root (or ~/…) of a module default-exporting the handler class' }])
      }
      // The app's handler class (sidebase's RefreshHandler shape), started once the module's plugin is up.
      addPlugin({
        mode: 'client',
        src: addTemplate({
          filename: 'gatekeeper/refresh-handler.plugin.mjs',
          getContents: () => `import Handler from ${JSON.stringify(handlerPath)}
import { defineNuxtPlugin } from '#imports'
export default defineNuxtPlugin({
  name: 'gatekeeper-refresh-handler',
  dependsOn: ['gatekeeper'],
  setup(nuxtApp) {
    // A class (constructed with the sessionRefresh options) or a ready instance, as the incumbent's playground exports.
    const handler = typeof Handler === 'function' ? new Handler(nuxtApp.$gatekeeper.config.sessionRefresh) : Handler
    nuxtApp.hook('app:mounted', () => nuxtApp.runWithContext(() => handler.init()))
    nuxtApp.vueApp.onUnmount(() => handler.destroy())
    if (import.meta.hot) import.meta.hot.dispose(() => handler.destroy())
  },
})
`,
        }).dst,
      })
    }
    // Mistakes that build fine and fail quietly (see page-checks.ts): said at build time, as warnings.
    // The login page the app serves (not Auth.js's, nor one on another site).
    const appLoginPage = resolved.public.pages.serverLoginPath || /^https?:/i.test(resolved.public.pages.login ?? '') ? null : resolved.public.pages.login
    nuxt.hook('pages:resolved', (pages) => {
      const pagesDir = relative(nuxt.options.rootDir, resolve(nuxt.options.srcDir, nuxt.options.dir.pages)) || 'pages'
      for (const warning of checkPages({ pages, guardEnabled: resolved.public.globalAppMiddleware.isEnabled, loginPage: appLoginPage, pagesDir })) logger.warn(warning)
    })
    const middleware = resolver.resolve(runtimeDir, 'app/middleware/auth')
    // Global always: `auth` page meta is honoured with the guard off too (the incumbent adds its middleware to
    // such pages at build time); globalAppMiddleware only decides whether pages *without* meta are protected.
    addRouteMiddleware({ name: GLOBAL_GUARD_NAME, path: middleware, global: true })
    // Before every other middleware: the guard learns of each navigation as it begins (see navigation-start.ts).
    addRouteMiddleware({ name: NAVIGATION_START_NAME, path: resolver.resolve(runtimeDir, 'app/middleware/navigation-start'), global: true }, { prepend: true })
    // Names pages can list: ours, and the incumbent's so pages written for @sidebase/nuxt-auth keep working
    // (Nuxt keeps an app's own `auth` middleware and warns; `gatekeeper-auth` still works then). Through a file of
    // their own (see by-name.ts): the build would warn about the guard imported both lazily and up front.
    const byName = resolver.resolve(runtimeDir, 'app/middleware/by-name')
    for (const name of AUTH_MIDDLEWARE_NAMES) addRouteMiddleware({ name, path: byName })
    // An app's own middleware of one of those names wins (kit warns): a page listing it gets the app's, and the global
    // guard must not leave that page to a guard that never runs. After kit's own app:resolve hooks above.
    nuxt.hook('app:resolve', (app) => {
      const taken = AUTH_MIDDLEWARE_NAMES.filter(name => app.middleware.some(entry => entry.name === name && entry.path !== byName))
      if (taken.length) resolved.public.appMiddlewareNames = taken
      else delete resolved.public.appMiddlewareNames
    })

    const runtimeTypes = (path: string) => JSON.stringify(resolver.resolve(runtimeDir, path))
    // Page meta: for the app and the server.
    addTypeTemplate({
      filename: 'types/gatekeeper.d.ts',
      getContents: () => `import type { AuthPageMeta } from ${runtimeTypes('core/guard')}
declare module '#app' {
  interface PageMeta {
    /** false: public · true or an object: signed-in users only · 'guest' or { unauthenticatedOnly: true }: signed-out users only */
    auth?: AuthPageMeta
  }
}
declare module 'vue-router' {
  interface RouteMeta {
    auth?: AuthPageMeta
  }
}
export {}
`,
    }, { nuxt: true, nitro: true })
    // Route rules: typed where they are written (nuxt.config, tsconfig.node) and read (Nitro).
    addTypeTemplate({
      filename: 'types/gatekeeper-route-rules.d.ts',
      getContents: () => `import type { AuthRouteRule } from ${runtimeTypes('core/guard')}
${['nitropack', 'nitropack/types'].map(name => `declare module '${name}' {
  interface NitroRouteRules {
    auth?: AuthRouteRule
  }
  interface NitroRouteConfig {
    auth?: AuthRouteRule
  }
}`).join('\n')}
export {}
`,
    }, { nuxt: true, nitro: true, node: true })
    // The incumbent's `session.dataType`: the session's shape, written into SessionData for the app and Nitro.
    const sessionDataType = resolved.sessionDataType
    // Without it, the provider's fallback (the incumbent's type for it), which an app's own SessionData replaces.
    const sessionFallbackType = resolved.sessionFallbackType
    if (!sessionDataType && sessionFallbackType) {
      addTypeTemplate({
        filename: 'types/gatekeeper-session-fallback.d.ts',
        getContents: () => `declare module '#auth' {\n  interface SessionFallback {\n${sessionFallbackType.map(member => `    ${member}\n`).join('')}  }\n}\nexport {}\n`,
      }, { nuxt: true, nitro: true })
    }
    if (sessionDataType) {
      addTypeTemplate({
        filename: 'types/gatekeeper-session-data.d.ts',
        // knitwork writes `'name?': 'string'` as an optional field, as the incumbent's generator does.
        getContents: () => `${genAugmentation('#auth', { SessionData: sessionDataType })}\nexport {}\n`,
      }, { nuxt: true, nitro: true })
    }
    // Runtime hooks and the injections on NuxtApp exist in the app only.
    addTypeTemplate({
      filename: 'types/gatekeeper-hooks.d.ts',
      getContents: () => `import type { AuthRequestContext, AuthResponseContext, AuthError } from ${runtimeTypes('core')}
import type { Session, SignOutReason } from ${runtimeTypes('types')}
import type { AuthFetch } from ${runtimeTypes('app/composables/useAuthFetch')}
import type { AuthManager } from ${runtimeTypes('app/manager')}
declare module '#app' {
  interface NuxtApp {
    /** The authenticated fetch helper (\`useAuthFetch()\`). */
    $authFetch: AuthFetch
    /** @internal The auth manager behind the composables. */
    $gatekeeper: AuthManager
  }
  interface RuntimeNuxtHooks {
    /** Before every request to the backend. Mutate \`context.options.headers\` to add headers. */
    'auth:request': (context: AuthRequestContext) => void | Promise<void>
    /** After every answer from the backend (errors included). */
    'auth:response': (context: AuthResponseContext) => void | Promise<void>
    'auth:signedIn': (context: { session: Session }) => void | Promise<void>
    'auth:signedOut': (context: { reason: SignOutReason }) => void | Promise<void>
    /** After new tokens were stored by a refresh in this tab. */
    'auth:refreshed': (context: Record<string, never>) => void | Promise<void>
    'auth:error': (context: { error: AuthError, operation: string }) => void | Promise<void>
  }
}
export {}
`,
    }, { nuxt: true })

    /**
     * Session mode (runtime/server/sessions): a plugin that mounts the storage and checks the secret when the
     * server starts, and loads each request's session when it arrives (before any middleware reads its tokens).
     */
    /** A storage setting's needs: ioredis for 'redis', and an app mount of that name for any other name. */
    async function checkStorage(key: string, storage: string) {
      if (storage === 'redis' && !await tryResolveModule('ioredis', [nuxt.options.rootDir, ...nuxt.options.modulesDir])) {
        throw new AuthConfigError([{ key, problem: `is 'redis', whose driver needs ioredis, which the app does not have installed`, fix: 'install it: npm i ioredis' }])
      }
      if (['memory', 'fs', 'redis'].includes(storage)) return
      nuxt.hook('nitro:config', (nitroConfig) => {
        const mounts: Record<string, unknown> = { ...nitroConfig.storage, ...(nuxt.options.dev ? nitroConfig.devStorage : {}) }
        if (!mounts[storage]) {
          throw new AuthConfigError([{ key, problem: `is ${JSON.stringify(storage)}, which is no Nitro storage mount of this app`, fix: `configure nitro.storage[${JSON.stringify(storage)}] (e.g. { driver: 'redis', url: '…' }), or use 'redis'` }])
        }
      })
    }
    async function setUpSessions(sessions: NonNullable<typeof resolved.server.sessions>) {
      await checkStorage('auth.sessions.storage', sessions.storage)
      addServerPlugin(resolver.resolve(runtimeDir, 'server/plugins/sessions'))
    }
    // Session mode's utilities (revocation, the device list), with the other server utilities below. There for
    // every provider, so code written for session mode type-checks and builds either way, Auth.js included (one app's
    // routes serving several set-ups, as the playground's do): without auth.sessions a call throws, saying so.
    const sessionStoreUtilities = ['revokeSession', 'revokeUserSessions', 'listUserSessions', 'currentSessionId'].map(name => ({ name, from: resolver.resolve(runtimeDir, 'server/sessions/utilities') }))

    const providerServer = resolved.providerServer
    if (providerServer) {
      // The provider's backend runs in this app (Auth.js): its server options and secret are server-only
      // runtime config (NUXT_AUTH_PROVIDER_*, NUXT_AUTH_SECRET).
      const missing: string[] = []
      for (const name of providerServer.requires) {
        if (!await tryResolveModule(name, [nuxt.options.rootDir, ...nuxt.options.modulesDir])) missing.push(name)
      }
      if (missing.length > 0) {
        throw new AuthConfigError([{ key: 'auth.provider.type', problem: `is ${JSON.stringify((input.provider as { type?: unknown } | undefined)?.type)}, whose server half needs ${missing.join(', ')}, which the app does not have installed`, fix: `install it: npm i ${missing.join(' ')}` }])
      }
      const basePath = parseURL(resolved.buildBaseURL).pathname.replace(/\/$/, '') || '/'
      nuxt.options.runtimeConfig.auth = defu(nuxt.options.runtimeConfig.auth as object, { secret: '', provider: { ...providerServer.options, basePath } }) as never
      // `~~/…` (the default) in the app, else in the first of its layers that has it, as a layer's server routes are.
      const roots = providerServer.configFile.startsWith('~~/') ? [...new Set([nuxt.options.rootDir, ...nuxt.options._layers.map(layer => layer.config.rootDir)])] : [nuxt.options.rootDir]
      let configFile: string | undefined
      for (const root of roots) {
        const candidate = await resolvePath(providerServer.configFile.startsWith('~~/') ? resolve(root, providerServer.configFile.slice(3)) : providerServer.configFile, { cwd: root, extensions: ['.ts', '.mjs', '.js'] })
        if (existsSync(candidate)) {
          configFile = candidate
          break
        }
      }
      if (configFile) {
        nuxt.options.alias['#auth-config'] = configFile
        addServerHandler({ route: `${basePath}/**`, handler: resolver.resolve(providersDir, providerServer.handler) })
        for (const plugin of providerServer.plugins) addServerPlugin(resolver.resolve(providersDir, plugin))
        // Nitro has scanned the app's server routes by now.
        const found = configFile
        nuxt.hook('nitro:init', (nitro) => {
          const warning = checkOwnAuthRoute(nitro.scannedHandlers, basePath, found, file => relative(nuxt.options.rootDir, file))
          if (warning) logger.warn(warning)
        })
      }
    }

    // Server utilities (getServerSession, requireServerSession, …): the session from the provider's own
    // getServerSession when its backend runs in the app (Auth.js), else the module's, which asks the provider's
    // backend with the request's token. Authorization (requireServerSession, authorize) is one module over either.
    const sessionUtilities = providerServer
      ? providerServer.imports.map(entry => ({ name: entry.name, from: resolver.resolve(providersDir, entry.from) }))
      : resolved.public.token
        ? ['getServerSession', 'getServerToken'].map(name => ({ name, from: resolver.resolve(runtimeDir, 'server/session') }))
        : []
    const sessionModule = sessionUtilities.find(entry => entry.name === 'getServerSession')?.from
    if (sessionModule) {
      nuxt.options.nitro.alias = defu(nuxt.options.nitro.alias, { '#gatekeeper-server-session': sessionModule })
      addTypeTemplate({
        filename: 'types/gatekeeper-server-session.d.ts',
        getContents: () => `declare module '#gatekeeper-server-session' {\n  export const getServerSession: (event: import('h3').H3Event) => Promise<unknown>\n}\n`,
      }, { nuxt: true, nitro: true })
      const authorizationModule = resolver.resolve(runtimeDir, 'server/authorization')
      const serverUtilities = [
        ...sessionUtilities,
        ...['requireServerSession', 'authorize', 'allows'].map(name => ({ name, from: authorizationModule })),
        ...sessionStoreUtilities,
        // An app's own in server/utils wins here too: Nitro uses it and warns about the duplicate (auto-imports.test.ts).
        { name: 'defineAbility', from: abilityModule },
      ]
      addServerImports(serverUtilities)
      // The incumbent's way, which also works with auto-imports off: `import { getServerSession } from '#auth'`
      // in a server route. In Nitro `#auth` is the public types plus the server utilities.
      const serverExports = serverUtilities.filter(entry => entry.from !== abilityModule)
        .map(entry => `export { ${entry.name} } from ${JSON.stringify(entry.from)}`).join('\n')
      const serverAuthContents = `export * from ${runtimeTypes('types')}\n${serverExports}\n`
      const serverAuth = addTemplate({
        filename: 'gatekeeper/auth-server.mjs',
        write: true,
        getContents: () => serverAuthContents,
      })
      // Its types: the same re-exports, which TypeScript resolves to the sources' declarations.
      addTemplate({ filename: 'gatekeeper/auth-server.d.ts', write: true, getContents: () => serverAuthContents })
      nuxt.options.nitro.alias = defu(nuxt.options.nitro.alias, { '#auth': serverAuth.dst.replace(/\.mjs$/, '') })
      // The app's type check sees the server routes too (Nitro's typed routes import them), so there `#auth` has the
      // server utilities as well. The app's bundle keeps the public types only.
      nuxt.hook('prepare:types', ({ tsConfig }) => {
        tsConfig.compilerOptions = { ...tsConfig.compilerOptions, paths: { ...tsConfig.compilerOptions?.paths, '#auth': [serverAuth.dst.replace(/\.mjs$/, '')] } }
      })
      // TypeScript resolves a path-mapped module for an augmentation (`declare module '#auth'` in a server file)
      // only once some file of the program imports it: this one does, so an app's augmentation alone works. The app's
      // program too, where `#auth` is the same module (above).
      addTypeTemplate({ filename: 'types/gatekeeper-server-auth.d.ts', getContents: () => `export type { SessionData } from '#auth'\n` }, { nuxt: true, nitro: true })
      nuxt.options.nitro.externals = defu(nuxt.options.nitro.externals, { inline: [serverAuth.dst] })
      // Route rules with `auth: { roles }` or `auth: { required: true }` get a middleware; other apps pay nothing.
      nuxt.hook('nitro:config', (nitroConfig) => {
        const rules = Object.values(nitroConfig.routeRules ?? {}) as Array<{ auth?: { roles?: unknown, required?: unknown } }>
        if (rules.some(rule => rule.auth?.roles !== undefined || rule.auth?.required === true)) {
          nitroConfig.handlers ||= []
          nitroConfig.handlers.push({ route: '', middleware: true, handler: resolver.resolve(runtimeDir, 'server/middleware/route-rules') })
        }
      })
    }

    // The browser's strategy calls these routes, which run the provider's strategy on the server with the
    // request's cookies (page scripts cannot touch an httpOnly cookie; a refresh answer must outlive its page).
    for (const route of Object.values(RELAY_ROUTES)) {
      if (relayed.has(route.when)) addServerHandler({ route: route.path, method: route.method, handler: resolver.resolve(runtimeDir, `server/routes/${route.file}`) })
    }
    const sessions = resolved.server.sessions
    if (sessions) await setUpSessions(sessions)
    // auth.sharedState: the session cache and refresh de-dup in a storage all instances share.
    if (resolved.server.sharedState) {
      await checkStorage('auth.sharedState.storage', resolved.server.sharedState.storage)
      addServerPlugin(resolver.resolve(runtimeDir, 'server/plugins/shared-state'))
    }
    // auth.forward: each prefix's tree answered by the upstream it names (server/routes/forward.ts).
    for (const [prefix, upstream] of Object.entries(resolved.server.forward)) {
      if (sendsTokenInClear(new URL(upstream))) logger.warn(cleartextUpstreamWarning(prefix, upstream))
      addServerHandler({ route: `${prefix}/**`, handler: resolver.resolve(runtimeDir, 'server/routes/forward') })
    }
  },
})
