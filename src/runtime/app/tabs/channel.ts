import type { PublicAuthConfig } from '../../core/config'

/**
 * What one tab tells the others. Tokens never travel here: the others read the shared cookie jar. `loaded-signed-in`:
 * a page loaded signed in, which may be a sign-in that ended in a page load (OAuth, an email link); only signed-out
 * tabs act on it.
 */
export type TabMessage = { type: 'signed-in' } | { type: 'loaded-signed-in' } | { type: 'signed-out' } | { type: 'refreshed' }

export interface TabChannel {
  post(message: TabMessage): void
  close(): void
}

/** What tells this app's sign-in apart from another's on the same origin: its token cookie, else its auth endpoint. */
type TabScope = Pick<PublicAuthConfig, 'baseURL'> & { token?: { cookie: { name: string } } | null }

/**
 * The tabs of this origin that share this sign-in. Two apps on one origin (`/shop` and `/admin`) with token
 * cookies of their own (Auth.js: other auth endpoints) are two sign-ins: a sign-out in one must not end the other's
 * tabs. Apps under the same token cookies share one, and hear each other. A no-op on the server and where
 * BroadcastChannel is missing.
 */
export function createTabChannel(scope: TabScope, onMessage: (message: TabMessage) => void): TabChannel {
  const channel = import.meta.client && typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel(tabChannelName(scope)) : null
  const listener = (event: MessageEvent<TabMessage>) => {
    if (event.data && typeof event.data.type === 'string') onMessage(event.data)
  }
  channel?.addEventListener('message', listener)
  return {
    post: message => channel?.postMessage(message),
    close: () => {
      channel?.removeEventListener('message', listener)
      channel?.close()
    },
  }
}

/** The channel's name for a sign-in (createTabChannel). A cookie's name holds no `/` or `:`, an endpoint does. */
export function tabChannelName(scope: TabScope): string {
  return `nuxt-gatekeeper:${scope.token?.cookie.name ?? scope.baseURL}`
}
