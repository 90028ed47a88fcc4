import { defineAuthProvider } from '../types'
import { OptionChecker } from '../validate'
import { defaultSignInPath, ROUTABLE_PROVIDER_ID } from './default-sign-in'
import type { AuthjsProviderOptions, ResolvedAuthjsOptions } from './options'

export type { AuthjsProviderOptions } from './options'

/** Auth.js (`@auth/core`): the session lives in Auth.js's own httpOnly cookies; no token is stored here. */
export default defineAuthProvider<AuthjsProviderOptions, ResolvedAuthjsOptions>({
  types: ['authjs'],
  // addDefaultCallbackUrl: the incumbent's; accepted so its configs build, and has no effect here.
  optionShape: { type: true, trustHost: true, defaultProvider: true, pages: { login: true }, configFile: true, addDefaultCallbackUrl: true },
  clientStrategy: 'authjs/client',
  clientCapabilities: { refresh: false, actions: ['getCsrfToken', 'getProviders'] },
  // Auth.js's default session, as the incumbent types it (next-auth's `Session`): a `user` and when it `expires`.
  sessionFallbackType: ['user?: { name?: string | null, email?: string | null, image?: string | null, [field: string]: unknown }', 'expires?: string', '[field: string]: unknown'],

  resolve(input, path) {
    const check = new OptionChecker(path)
    const options: ResolvedAuthjsOptions = {
      type: 'authjs',
      trustHost: input.trustHost ?? false,
      defaultProvider: input.defaultProvider ?? '',
      login: input.pages?.login ?? null,
      configFile: input.configFile ?? '~~/server/auth.config',
    }
    check.boolean('trustHost', options.trustHost)
    check.string('defaultProvider', options.defaultProvider)
    if (typeof options.defaultProvider === 'string' && !ROUTABLE_PROVIDER_ID.test(options.defaultProvider)) {
      check.fail('defaultProvider', `is ${JSON.stringify(options.defaultProvider)}, which Auth.js cannot route: it matches the id in {baseURL}/signin/{id} as sent, and a URL encodes some of these characters`, 'give the provider an `id` of letters, digits, \'-\', \'_\' and \'.\' in your Auth.js config, and use that id here')
    }
    if (options.login !== null) check.path('pages.login', options.login)
    check.string('configFile', options.configFile, { allowEmpty: false })
    return { options, issues: check.issues }
  },

  runtimeConfig(options) {
    return {
      token: null,
      refreshToken: null,
      pages: options.login
        ? { login: options.login, redirectQueryKey: 'callbackUrl' }
        // Auth.js's own page, or the start of the default provider's sign-in: a server route, reached by a full page
        // load. (resolveAuthConfig joins it to the base URL the app runs with.)
        : { login: null, redirectQueryKey: 'callbackUrl', serverLoginPath: options.defaultProvider ? defaultSignInPath(options.defaultProvider) : '/signin' },
      provider: { defaultProvider: options.defaultProvider },
      endpointsInApp: true,
    }
  },

  // Everything under baseURL is Auth.js's: sign-in per provider, callbacks, CSRF, session, sign-out.
  backendRoutes: () => [{ path: '/**' }],

  server: options => ({
    options: { trustHost: options.trustHost },
    configFile: options.configFile,
    handler: 'authjs/server/route',
    requires: ['@auth/core'],
    imports: [
      { name: 'NuxtAuthHandler', from: 'authjs/server/handler' },
      { name: 'getServerSession', from: 'authjs/server/session' },
      { name: 'getToken', from: 'authjs/server/session' },
    ],
    plugins: ['authjs/server/check-secret'],
  }),
})
