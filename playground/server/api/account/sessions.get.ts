// Imported from '#auth', as the incumbent's docs write it (it also works with auto-imports off): the app's type check
// sees this route too, through Nitro's typed routes.
import { listUserSessions, requireServerSession } from '#auth'

/** The signed-in user's devices (session mode: PLAYGROUND_PROVIDER=sessions). */
export default defineEventHandler(async (event) => {
  const session = await requireServerSession(event)
  return await listUserSessions(session.id, event)
})
