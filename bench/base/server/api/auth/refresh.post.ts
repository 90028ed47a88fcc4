export default defineEventHandler(async (event) => {
  const body = await readBody<{ refreshToken?: unknown }>(event)
  // Page renders call in-process (no browser user agent); tabs call with Chromium's.
  const presentedBy = /Chrome/.test(getRequestHeader(event, 'user-agent') ?? '') ? 'browser' : 'server render'
  const rotated = typeof body?.refreshToken === 'string' ? await rotate(body.refreshToken, presentedBy) : null
  if (!rotated) throw createError({ statusCode: 401, statusMessage: 'Refresh token refused', data: { error: 'invalid_grant' } })
  return rotated
})
