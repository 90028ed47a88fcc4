// Resolve the signing key at startup, so a production server running on the dev secret warns
// in its first log lines rather than at the first sign-in.
export default defineNitroPlugin(() => {
  jwtKey()
})
