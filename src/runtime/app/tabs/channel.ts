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

const CHANNEL = 'nuxt-gatekeeper'

/** The tabs of this origin. A no-op on the server and where BroadcastChannel is missing. */
export function createTabChannel(onMessage: (message: TabMessage) => void): TabChannel {
  const channel = import.meta.client && typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel(CHANNEL) : null
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
