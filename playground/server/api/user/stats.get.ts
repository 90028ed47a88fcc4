/** A protected API route, as an app would write one: the visitor's token from the module, verified as the backend does. */
export default defineEventHandler(async (event) => {
  const { user, claims } = await requireAppUser(event)
  return {
    user: { id: user.id, name: user.name },
    memberSince: user.createdAt,
    signedInAt: new Date(claims.iat * 1000).toISOString(),
    tokenExpiresAt: new Date(claims.exp * 1000).toISOString(),
    serverTime: new Date().toISOString(),
  }
})
