import type { NuxtApp } from '#app'
import type { AuthError, ClientStrategy, StrategyContext } from '../core'
import type { Navigation } from './navigation'
import type { AuthState } from './state'
import type { TabChannel } from './tabs/channel'
import type { AppTokens } from './tokens'

/** What the session and the actions both work with, as the manager wires them. */
export interface AppParts {
  nuxtApp: NuxtApp
  store: AuthState
  tokens: AppTokens
  strategy: ClientStrategy<unknown>
  /** The strategy context, made when first asked for (a render whose session the server's cache holds needs none). */
  context(): StrategyContext<unknown>
  navigation: Navigation
  tabs: TabChannel
  /** Reports a failure to the `auth:error` hook and returns it as an AuthError. */
  report(error: unknown, operation: string): Promise<AuthError>
}
