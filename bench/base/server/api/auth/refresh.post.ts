export default defineEventHandler(async (event) => {
  const body = await readBody<{ refreshToken?: unknown }>(event)
  const rotated = typeof body?.refreshToken === 'string' ? await rotate(body.refreshToken) : null
  if (!rotated) throw createError({ statusCode: 401, statusMessage: 'Refresh token refused', data: { error: 'invalid_grant' } })
  return rotated
})
