/** The signed-in user's devices (session mode: PLAYGROUND_PROVIDER=sessions). */
export default defineEventHandler(async (event) => {
  const session = await requireServerSession(event)
  return await listUserSessions(session.id, event)
})
