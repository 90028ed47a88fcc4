/** Every post, for signed-in users: the session comes from the module's server utility (any provider). */
export default defineEventHandler(async (event) => {
  await requireServerSession(event)
  return await listPosts()
})
