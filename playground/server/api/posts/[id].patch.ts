/** Renames a post: its author or an admin (the same ability hides the Edit button from everyone else). */
export default defineEventHandler(async (event) => {
  const post = await findPost(getRouterParam(event, 'id') ?? '')
  if (!post) throw createError({ statusCode: 404, statusMessage: 'No such post' })
  await authorize(event, editPost, post)
  return await savePost({ ...post, title: postTitle(await readBody(event)) })
})
