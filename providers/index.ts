import authjs from './authjs'
import local from './local'
import refresh from './refresh'
import type { AuthProviderDefinition } from './types'

/** Every provider the module knows. Adding one = a folder + a line here; the contract test iterates this. */
export const providers: Record<string, AuthProviderDefinition<never, never>> = {
  local: local as AuthProviderDefinition<never, never>,
  refresh: refresh as AuthProviderDefinition<never, never>,
  authjs: authjs as AuthProviderDefinition<never, never>,
}

/** The provider for the given `auth.provider` options: first one that claims them, else by `type`. */
export function findProvider(input: Record<string, unknown>): AuthProviderDefinition<never, never> | undefined {
  const all = Object.values(providers)
  return all.find(provider => provider.matches?.(input)) ?? all.find(provider => provider.types.includes(input.type as string))
}

// For the module's own option checks (src/options.ts reaches providers only through this file).
export { unknownOptionKeys, type OptionShape } from './validate'

export type { AuthjsProviderOptions } from './authjs'
export type { LocalProviderOptions } from './local'
export type { RefreshProviderOptions, LocalWithRefreshOptions } from './refresh'
export type ProviderOptions = import('./authjs').AuthjsProviderOptions | import('./local').LocalProviderOptions | import('./refresh').RefreshProviderOptions | import('./refresh').LocalWithRefreshOptions
