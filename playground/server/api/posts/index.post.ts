/** A new post by the signed-in user. */
export default defineEventHandler(async (event) => {
  const session = await requireServerSession(event)
  const title = postTitle(await readBody(event))
  return await savePost({ title, authorId: session.id, authorName: session.name })
})
