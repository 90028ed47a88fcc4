import { shallowRef, type Ref } from 'vue'
import type { H3Event } from 'h3'
import type { PublicAuthConfig } from '../core/config'
import { jwtExpiry } from '../core/token'
import { requestJar } from '../shared/event-jar'
import { createTokenStore, unreadableJar, type TokenStore, type TokenWrite } from '../shared/token-store'
import { documentJar } from './document-jar'
import { renderedForCache } from './route-rules'

export interface AppTokens extends TokenStore {
  /**
   * False where the tokens cannot be seen: httpOnly cookies in the browser, where only the server can tell, and a
   * render for Nitro's cache, where only the browser can.
   */
  readable: boolean
  /** Whether the provider keeps tokens at all (Auth.js keeps its session in its own cookies). */
  kept: boolean
  /**
   * What page code may see (`useAuth().token`, `useAuthState().rawToken`): the jar's values as of the last
   * sync, null for httpOnly cookies everywhere (what SSR renders ends up in the HTML). Never written directly.
   */
  views(): { token: Readonly<Ref<string | null>>, refreshToken: Readonly<Ref<string | null>> }
  /** Re-reads the jar into the views (another tab may have written it). */
  sync(): void
  /**
   * Hydration: the views show no token the server did not see (a cached or prerendered page was rendered
   * without the visitor's cookies), so the first render matches the HTML; `sync()` after hydration shows it.
   */
  matchServerRender(seen: TokensSeen): void
  /** Which tokens the views show (SSR: what the render could see), without making the views to find out. */
  seen(): TokensSeen
  /** The access token's expiry (its JWT `exp`, in ms by the issuer's clock), or null when it is not a JWT with one. */
  expiryOf(token: string): number | null
  dispose(): void
}

/** Which tokens the server-side render could see (carried in the payload: booleans, never the tokens). */
export interface TokensSeen { token: boolean, refreshToken: boolean }

/**
 * The token store of one NuxtApp: the browser's cookie jar, or during SSR the request and its response.
 * Nothing else in the app reads or writes a token cookie.
 */
export function createAppTokens(config: PublicAuthConfig, event: H3Event | undefined): AppTokens {
  const httpOnly = Boolean(config.token?.cookie.httpOnly)
  // A render for Nitro's cache sees none of the visitor's cookies: like the browser with httpOnly ones, it cannot tell
  // whether the visitor has tokens (the guard waits for the browser's check instead of sending everyone to login).
  const readable = import.meta.client ? !httpOnly : !renderedForCache(event)
  const jar = import.meta.server ? (event ? requestJar(event) : unreadableJar) : readable ? documentJar : unreadableJar
  const store = createTokenStore(jar, { token: config.token, refreshToken: config.refreshToken })
  const visible = () => ({ token: httpOnly ? null : store.token(), refreshToken: httpOnly ? null : store.refreshToken() })
  // Made when first read (a server render may never show a token), from the jar as it is then: the same as
  // made at the start and synced since.
  let views: { token: Ref<string | null>, refreshToken: Ref<string | null> } | undefined
  const viewsNow = () => {
    if (views) return views
    const initial = visible()
    return views = { token: shallowRef(initial.token), refreshToken: shallowRef(initial.refreshToken) }
  }

  function sync() {
    if (!views) return
    const now = visible()
    if (views.token.value !== now.token) views.token.value = now.token
    if (views.refreshToken.value !== now.refreshToken) views.refreshToken.value = now.refreshToken
  }

  // Chromium and others announce cookie changes, including other tabs' and the server's Set-Cookie.
  const cookieStore = import.meta.client && readable && config.token ? (globalThis as { cookieStore?: EventTarget }).cookieStore : undefined
  cookieStore?.addEventListener('change', sync)

  // Listed, not spread: the spread cost about 9 µs of every server render (timed in one process). No getters either:
  // an object literal with one costs V8 several times a plain one to make (counted), once per render.
  return {
    httpOnly: store.httpOnly,
    refreshExclusive: store.refreshExclusive,
    commit: store.commit,
    token: store.token,
    refreshToken: store.refreshToken,
    authorization: store.authorization,
    detach: store.detach,
    write(tokens: TokenWrite) {
      store.write(tokens)
      sync()
    },
    clear() {
      store.clear()
      sync()
    },
    readable,
    kept: config.token !== null,
    views: viewsNow,
    sync,
    matchServerRender(seen) {
      const { token, refreshToken } = viewsNow()
      if (!seen.token) token.value = null
      if (!seen.refreshToken) refreshToken.value = null
    },
    seen() {
      const now = views ? { token: views.token.value, refreshToken: views.refreshToken.value } : visible()
      return { token: now.token !== null, refreshToken: now.refreshToken !== null }
    },
    expiryOf: jwtExpiry,
    dispose: () => cookieStore?.removeEventListener('change', sync),
  }
}
