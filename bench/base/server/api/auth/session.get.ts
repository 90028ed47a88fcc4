export default defineEventHandler(async (event) => {
  const { user } = await requireUser(event)
  return { id: user.id, name: user.name, username: user.username }
})
