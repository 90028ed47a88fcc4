/** For the playground's Tokens page: how often this sign-in was refreshed, and the backend's reuse detections. */
export default defineEventHandler(async (event) => {
  const { claims } = await requireAppUser(event)
  return {
    issuedAt: new Date(claims.iat * 1000).toISOString(),
    expiresAt: new Date(claims.exp * 1000).toISOString(),
    refreshesThisSignIn: await familyRefreshCount(claims.fam),
    reuseDetections: refreshStats.reuseDetections,
  }
})
