/** The signed-in user (the module stores this whole body as `useAuth().data`); 401 for a missing, bad, expired or revoked token. */
export default defineEventHandler(async (event) => {
  const { user } = await requireUser(event)
  return toPublicUser(user)
})
