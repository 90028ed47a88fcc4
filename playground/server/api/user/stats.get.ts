/** A protected API route, as an app would write one: the same token check as the session endpoint. */
export default defineEventHandler(async (event) => {
  const { user, claims } = await requireUser(event)
  return {
    user: { id: user.id, name: user.name },
    memberSince: user.createdAt,
    signedInAt: new Date(claims.iat * 1000).toISOString(),
    tokenExpiresAt: new Date(claims.exp * 1000).toISOString(),
    serverTime: new Date().toISOString(),
  }
})
