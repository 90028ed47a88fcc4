// A protected API route: what the "20 concurrent API calls" scenario calls.
export default defineEventHandler(async (event) => {
  const { user } = await requireUser(event)
  return { owner: user.name }
})
