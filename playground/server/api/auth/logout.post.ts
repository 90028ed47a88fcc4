/**
 * Revokes the presented token, so a copy of it (another tab, a leaked log) stops working before it expires.
 * Always 200: signing out with no or a dead token has nothing left to do, and is not an error.
 */
export default defineEventHandler(async (event) => {
  const claims = await readTokenClaims(event)
  if (claims) {
    await revokeToken(claims)
    // The refresh tokens of this sign-in die with it; other devices keep theirs.
    await revokeFamily(claims.fam)
  }
  // The refresh provider also sends its refresh token, so an expired access token still ends the sign-in.
  const body = await readBody<{ refreshToken?: unknown }>(event).catch(() => null)
  if (typeof body?.refreshToken === 'string') await revokeFamilyOf(body.refreshToken)
  return { ok: true }
})
