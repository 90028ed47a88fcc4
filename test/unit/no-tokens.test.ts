import { describe, expect, it } from 'vitest'
import type { PublicAuthConfig } from '../../src/runtime/core/config'
import { createAppTokens as createNoTokens } from '../../src/runtime/app/no-tokens'
import { createAppTokens, type AppTokens } from '../../src/runtime/app/tokens'

// A provider that keeps no tokens (authjs: `token` and `refreshToken` null) gets app/no-tokens.ts in place of the
// cookie token store (module.ts, #gatekeeper-features). The two must answer alike for such a provider, member by
// member, so the swap changes the bundle and nothing else.
const tokenless = { token: null, refreshToken: null } as unknown as PublicAuthConfig

/**
 * Everything a caller can observe of a token store, after each kind of call. (`expiryOf` is asked only about the
 * token the store holds, app/scheduling.ts, and neither holds one.)
 */
async function observe(tokens: AppTokens) {
  const seen = () => ({
    token: tokens.token(),
    refreshToken: tokens.refreshToken(),
    authorization: tokens.authorization(),
    authorizationOf: tokens.authorization('a.b.c'),
    seen: tokens.seen(),
    views: { token: tokens.views().token.value, refreshToken: tokens.views().refreshToken.value },
  })
  const fresh = seen()
  tokens.write({ token: 'written', refreshToken: 'written' })
  const written = seen()
  tokens.matchServerRender({ token: true, refreshToken: true })
  tokens.sync()
  const synced = seen()
  tokens.clear()
  const cleared = seen()
  const committed = await tokens.commit()
  tokens.dispose()
  return {
    httpOnly: tokens.httpOnly,
    readable: tokens.readable,
    kept: tokens.kept,
    refreshExclusive: tokens.refreshExclusive,
    fresh,
    written,
    synced,
    cleared,
    committed,
  }
}

describe('the token store of a provider that keeps no tokens', () => {
  it('answers every member as the cookie token store does with no token cookies configured', async () => {
    const real = await observe(createAppTokens(tokenless, undefined))
    expect(await observe(createNoTokens())).toEqual(real)
    // And what that is: nothing kept, nothing to send, nothing to show.
    expect(real.kept).toBe(false)
    expect(real.fresh).toEqual({ token: null, refreshToken: null, authorization: null, authorizationOf: null, seen: { token: false, refreshToken: false }, views: { token: null, refreshToken: null } })
  })
})
