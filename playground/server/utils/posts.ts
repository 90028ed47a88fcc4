import { randomUUID } from 'node:crypto'

// The posts of the "edit only your own post" example, in the `posts` mount (memory: gone on restart).
function posts() {
  return useStorage<Post>('posts')
}

export async function listPosts(): Promise<Post[]> {
  const keys = await posts().getKeys()
  const all = await Promise.all(keys.map(key => posts().getItem(key)))
  return all.filter((post): post is Post => post !== null).sort((a, b) => a.updatedAt.localeCompare(b.updatedAt))
}

export async function findPost(id: string): Promise<Post | null> {
  return /^[0-9a-f-]{36}$/.test(id) ? await posts().getItem(id) : null
}

export async function savePost(post: Omit<Post, 'id' | 'updatedAt'> & { id?: string }): Promise<Post> {
  const saved: Post = { ...post, id: post.id ?? randomUUID(), updatedAt: new Date().toISOString() }
  await posts().setItem(saved.id, saved)
  return saved
}

/** A title: a non-empty string of at most 120 characters, trimmed; else a 400. */
export function postTitle(body: unknown): string {
  const title = typeof body === 'object' && body !== null ? (body as { title?: unknown }).title : undefined
  if (typeof title !== 'string' || !title.trim() || title.length > 120) throw createError({ statusCode: 400, statusMessage: 'A title of 1 to 120 characters is required' })
  return title.trim()
}
