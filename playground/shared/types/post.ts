/** A post of the "edit only your own post" example. */
export interface Post {
  id: string
  title: string
  authorId: string
  authorName: string
  updatedAt: string
}
