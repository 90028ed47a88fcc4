import { existsSync } from 'node:fs'
import { addImports, addPlugin, addRouteMiddleware, addTemplate, addTypeTemplate, createResolver, defineNuxtModule, hasNuxtModule, installModule, useLogger } from '@nuxt/kit'
import { defu } from 'defu'
import { resolveModuleOptions, type ModuleOptions } from './options'

export type { ModuleOptions, GlobalAppMiddlewareOptions } from './options'
export type { LocalProviderOptions } from '../providers'
export type { PublicAuthConfig } from './runtime/core/config'

const logger = useLogger('nuxt-gatekeeper')

export default defineNuxtModule<ModuleOptions>({
  meta: {
    name: 'nuxt-gatekeeper',
    configKey: 'auth',
    compatibility: { nuxt: '>=3.16.0' },
  },
  defaults: {},
  async setup(input, nuxt) {
    const resolved = resolveModuleOptions(input)
    if (!resolved.enabled) {
      logger.info('auth.isEnabled is false: nuxt-gatekeeper adds nothing')
      return
    }
    const resolver = createResolver(import.meta.url)
    // Built package: dist/module.mjs next to dist/providers. Stub/dev: src/module.ts next to ../providers.
    const providersDir = existsSync(resolver.resolve('./providers')) ? resolver.resolve('./providers') : resolver.resolve('../providers')
    const runtimeDir = resolver.resolve('./runtime')

    // Values already in runtimeConfig (and NUXT_PUBLIC_AUTH_* env vars at run time) win over the module's.
    nuxt.options.runtimeConfig.public.auth = defu(nuxt.options.runtimeConfig.public.auth as object, resolved.public) as never

    nuxt.options.alias['#auth'] = resolver.resolve(runtimeDir, 'types')
    nuxt.options.alias['#auth-core'] = resolver.resolve(runtimeDir, 'core/index')
    // Only the configured provider's client code is compiled into the app.
    const providerTemplate = addTemplate({
      filename: 'gatekeeper/provider.mjs',
      getContents: () => `export { default } from ${JSON.stringify(resolver.resolve(providersDir, resolved.clientStrategy))}\n`,
    })
    nuxt.options.alias['#auth-provider'] = providerTemplate.dst
    addTypeTemplate({
      filename: 'types/gatekeeper-provider.d.ts',
      getContents: () => `declare module '#auth-provider' {\n  const strategy: import(${JSON.stringify(resolver.resolve(runtimeDir, 'core/strategy'))}).ClientStrategy<unknown>\n  export default strategy\n}\n`,
    })
    nuxt.options.build.transpile.push(runtimeDir, providersDir)

    if (!hasNuxtModule('@pinia/nuxt')) await installModule('@pinia/nuxt')
    // Pre-bundled up front: discovering it on the first dev page load makes Vite reload the page.
    nuxt.options.vite.optimizeDeps ||= {}
    nuxt.options.vite.optimizeDeps.include ||= []
    nuxt.options.vite.optimizeDeps.include.push('jose')

    addImports([
      { name: 'useAuth', from: resolver.resolve(runtimeDir, 'app/composables/useAuth') },
      { name: 'useAuthState', from: resolver.resolve(runtimeDir, 'app/composables/useAuthState') },
    ])
    addPlugin(resolver.resolve(runtimeDir, 'app/plugins/auth'))
    const middleware = resolver.resolve(runtimeDir, 'app/middleware/auth')
    addRouteMiddleware({ name: 'auth', path: middleware, global: resolved.public.globalAppMiddleware.isEnabled })
    // The incumbent's name, so pages written for @sidebase/nuxt-auth keep working.
    addRouteMiddleware({ name: 'sidebase-auth', path: middleware })

    addTypeTemplate({
      filename: 'types/gatekeeper.d.ts',
      getContents: () => `import type { AuthPageMeta } from ${JSON.stringify(resolver.resolve(runtimeDir, 'core/guard'))}
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
declare module 'nitropack' {
  interface NitroRouteRules {
    auth?: { disableServerSideAuth?: boolean }
  }
  interface NitroRouteConfig {
    auth?: { disableServerSideAuth?: boolean }
  }
}
declare module 'nitropack/types' {
  interface NitroRouteRules {
    auth?: { disableServerSideAuth?: boolean }
  }
  interface NitroRouteConfig {
    auth?: { disableServerSideAuth?: boolean }
  }
}
export {}
`,
    }, { nuxt: true, nitro: true })
  },
})
