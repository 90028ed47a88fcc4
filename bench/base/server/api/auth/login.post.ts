export default defineEventHandler(async (event) => {
  const body = await readBody<{ username?: unknown, password?: unknown }>(event)
  const user = findUser(body?.username, body?.password)
  if (!user) throw createError({ statusCode: 401, statusMessage: 'Invalid credentials' })
  return await issueTokens(user.id)
})
