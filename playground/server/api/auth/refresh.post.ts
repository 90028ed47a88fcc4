/**
 * `{ refreshToken }` → `{ token, refreshToken }`: a new access token and the NEXT refresh token; the one
 * presented is spent. A spent, unknown, expired or revoked token answers 401 `invalid_grant` (a reused one
 * also revokes its whole family).
 */
export default defineEventHandler(async (event) => {
  const body = await readBody<{ refreshToken?: unknown }>(event)
  if (typeof body?.refreshToken !== 'string' || !body.refreshToken) {
    throw createError({ statusCode: 400, statusMessage: 'refreshToken is required', data: { error: 'invalid_request' } })
  }
  const rotated = await rotateRefreshToken(body.refreshToken, { reuseGraceSeconds: Number(useRuntimeConfig(event).refreshReuseGraceSeconds) || 0 })
  const user = rotated.ok ? await findUserById(rotated.userId) : null
  if (!rotated.ok || !user) {
    throw createError({ statusCode: 401, statusMessage: 'Refresh token refused', data: { error: 'invalid_grant', reason: rotated.ok ? 'user-deleted' : rotated.reason } })
  }
  return { token: await signToken(user, rotated.family), refreshToken: rotated.refreshToken }
})
