import { z } from 'zod'

const Query = z.union([z.object({ scope: z.literal('others') }), z.object({ id: z.string().regex(/^[0-9a-f]{64}$/) })])

/**
 * `?scope=others`: signs the user out on every other device; `?id=…`: one device of theirs (an id from the
 * list, never another user's: it is looked up in their own list first).
 */
export default defineEventHandler(async (event) => {
  const session = await requireServerSession(event)
  const query = Query.safeParse(getQuery(event))
  if (!query.success) throw createError({ statusCode: 400, statusMessage: 'Give ?scope=others or ?id=<session id>' })
  if ('scope' in query.data) return { revoked: await revokeUserSessions(session.id, { except: event }) }
  const own = await listUserSessions(session.id)
  if (!own.some(device => device.id === (query.data as { id: string }).id)) throw createError({ statusCode: 404, statusMessage: 'No such session of yours' })
  await revokeSession(query.data.id)
  return { revoked: 1 }
})
