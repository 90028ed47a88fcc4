/**
 * The provider contract at build time. A provider is a folder under `providers/` with an `index.ts` that
 * default-exports `defineAuthProvider(...)` and a client strategy module (`defineClientStrategy`). The module
 * never branches on a provider's name: it resolves options, validates, writes runtime config and aliases
 * `#auth-provider` to the configured provider's client strategy through this contract only.
 */
import type { ProviderRuntimeConfig } from '../src/runtime/core'

export type { ClientStrategy, StrategyContext, TokenResult } from '../src/runtime/core'

/** A backend route the module calls (see `backendRoutes`): its path under `baseURL`, and its method (any when absent). */
export interface BackendRoute {
  path: string
  method?: string
}

/** One problem with the user's options; the build fails listing all of them. */
export interface OptionIssue {
  /** Full option path, e.g. `auth.provider.token.signInResponseTokenPointer`. */
  key: string
  problem: string
  fix: string
}

export type { CookieRuntimeConfig, ProviderRuntimeConfig, SameSiteOption, TokenRuntimeConfig } from '../src/runtime/core'

/**
 * The session's shape as @sidebase/nuxt-auth's `session.dataType` describes it: field names (a trailing `?`
 * makes one optional) to TypeScript types written as strings, or nested objects of the same.
 */
export interface SessionDataType { [field: string]: string | SessionDataType }

export interface AuthProviderDefinition<TInput = Record<string, unknown>, TResolved = TInput> {
  /** The `auth.provider.type` value(s) this provider answers to. */
  types: readonly string[]
  /**
   * Claims options beyond `types` (e.g. sidebase 1.x `type: 'local'` with `refresh.isEnabled`). Providers with
   * `matches` are asked first.
   */
  matches?(input: Record<string, unknown>): boolean
  /** Defaults, normalisation of legacy shapes, and validation. `path` is the option path for messages. */
  resolve(input: TInput, path: string): { options: TResolved, issues: OptionIssue[] }
  runtimeConfig(options: TResolved, context: { baseURL: string }): ProviderRuntimeConfig
  /** Every key `auth.provider` may have for this provider (unknown ones fail the build, see unknownOptionKeys). */
  optionShape: import('./validate').OptionShape
  /** The client strategy module, relative to `providers/` (no extension). */
  clientStrategy: string
  /**
   * The same strategy less its own `refresh`, relative to `providers/` (no extension): what the browser runs where
   * refresh tokens rotate through this app's server (the relay route), so the backend refresh, which only the
   * server calls there, stays out of the client bundle. For providers whose client strategy refreshes; the
   * provider contract test checks it is the client strategy without `refresh`.
   * @default clientStrategy
   */
  clientStrategyWithoutRefresh?: string
  /**
   * What the client strategy has besides signIn, signOut and getSession, known at build time: the browser stands
   * in for the strategy until its code arrives with the backend-calling chunk (src/runtime/app/lazy-strategy.ts),
   * and must answer at once whether it refreshes and which actions `useAuth()` gets. The provider contract test
   * checks these against the strategy itself.
   */
  clientCapabilities: { refresh: boolean, actions: readonly string[] }
  /** The session's shape as the app described it in its options (generated into `SessionData`), if it did. */
  sessionDataType?(options: TResolved): SessionDataType | null
  /**
   * The session's type while the app describes none, as the members of a TypeScript interface: what the incumbent
   * typed for this provider, so its apps type-check unchanged (`['id: string | number']` for local).
   * @default none: `Record<string, unknown>`
   */
  sessionFallbackType?: readonly string[]
  /**
   * Where the backend's sign-in answer carries tokens (JSON pointers). A sign-up answer often has them in the same
   * places (sign-up that signs in): the httpOnly relay takes them out of the sign-up answer it gives page scripts.
   * @default none
   */
  tokenPointers?(options: TResolved): string[]
  /**
   * The backend's routes the module itself calls, as a path under `baseURL` (`/login`) with the method it uses, or
   * `/**` with no method for every path under it (a backend that is all the module's, as Auth.js's): route rules on
   * the app's API (`'/api/**': { auth: { required: true } }`) never refuse them, so people can still sign in. Other
   * routes under `baseURL`, and other methods on these paths, get the rules.
   * @default none
   */
  backendRoutes?(options: TResolved): BackendRoute[]
  /** A server half (Nitro), for providers whose backend runs inside the app. */
  server?(options: TResolved): ProviderServerSetup
}

/** What the module wires into Nitro for a provider; module paths are relative to `providers/`, without extension. */
export interface ProviderServerSetup {
  /** Goes into `runtimeConfig.auth.provider` (server only, env-overridable); `basePath` is added. */
  options: Record<string, unknown>
  /** The app's config file (alias `#auth-config`); when it exists, `handler` is served at `{baseURL}/**`. */
  configFile: string
  handler: string
  /** Packages the app must install for this provider (the build fails naming them otherwise). */
  requires: string[]
  /** Server auto-imports; the module's requireServerSession and authorize build on the `getServerSession` among them. */
  imports: Array<{ name: string, from: string }>
  /** Nitro plugins, registered only with the config file (they may import `#auth-config`). */
  plugins: string[]
}

export function defineAuthProvider<TInput, TResolved>(definition: AuthProviderDefinition<TInput, TResolved>) {
  return definition
}
