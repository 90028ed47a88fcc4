// An API route of the app guarded by the module's server utility: what "API req/s" measures (the backend's
// session endpoint through the server's cache, or the token verified here with NUXT_AUTH_JWT_VERIFICATION_SECRET).
export default defineEventHandler(async (event) => {
  const session = await requireServerSession(event) as { name?: string }
  return { owner: session.name }
})
