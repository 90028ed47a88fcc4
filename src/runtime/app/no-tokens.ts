import { shallowRef, type Ref } from 'vue'
import type { AppTokens } from './tokens'

const none = () => null

/**
 * The token store of a provider that keeps no tokens (Auth.js keeps its session in cookies of its own, which only
 * its routes read): nothing to read, write or show. Generated into `#gatekeeper-features` in place of `./tokens`
 * for such a provider, so its app carries no cookie jar, token checks or JWT decoding.
 */
export function createAppTokens(): AppTokens {
  let views: { token: Readonly<Ref<null>>, refreshToken: Readonly<Ref<null>> } | undefined
  return {
    httpOnly: false,
    token: none,
    refreshToken: none,
    authorization: none,
    write() {},
    clear() {},
    detach() {},
    commit: async () => {},
    readable: true,
    kept: false,
    // Made when first read, as the cookie store's are: a server render rarely shows `token`.
    views: () => views ??= { token: shallowRef(null), refreshToken: shallowRef(null) },
    sync() {},
    matchServerRender() {},
    seen: () => ({ token: false, refreshToken: false }),
    expiryOf: none,
    dispose() {},
  }
}
