export default defineEventHandler(async (event) => {
  const { family } = await requireUser(event)
  revokeFamily(family)
  return { ok: true }
})
