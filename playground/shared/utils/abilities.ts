import { defineAbility, type Session } from '#auth'
import type { Post } from '../types/post'

// One definition for the app (the Edit button, <AuthCan>) and the server (PATCH /api/posts/:id): the module
// hands over the session.

/** Authors edit their own posts; admins edit any. */
export const editPost = defineAbility((session: Session, post: Post) => session.id === post.authorId || session.roles.includes('admin'), { name: 'editPost' })
