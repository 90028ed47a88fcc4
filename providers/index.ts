import local from './local'
import type { AuthProviderDefinition } from './types'

/** Every provider the module knows. Adding one = a folder + a line here; the contract test iterates this. */
export const providers: Record<string, AuthProviderDefinition<never, never>> = {
  local: local as AuthProviderDefinition<never, never>,
}

export type { LocalProviderOptions } from './local'
export type ProviderOptions = import('./local').LocalProviderOptions
