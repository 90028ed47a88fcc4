/**
 * Every user, for admins. The route rule on /api/admin/** refuses others already; the check here is what
 * protects the data (a rule is easy to drop or mistype).
 */
export default defineEventHandler(async (event) => {
  await requireServerSession(event, { roles: ['admin'] })
  return await listUsers()
})
