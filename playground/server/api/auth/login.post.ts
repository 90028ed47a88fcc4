/** Exchanges email + password for a short-lived HS256 JWT and a rotating refresh token: `{ token, refreshToken }`. */
export default defineEventHandler(async (event) => {
  // Malformed JSON makes readBody throw a 400 by itself.
  const body = await readBody(event)
  const parsed = LoginSchema.safeParse(body ?? {})
  if (!parsed.success) {
    throw createError({ statusCode: 400, statusMessage: 'Email and password are required' })
  }
  const { email, password } = parsed.data
  const user = await findUserByEmail(email)
  // Always hash once, even for an unknown email, and answer both failures identically:
  // neither the message nor the timing tells an attacker which emails have accounts.
  const valid = await verifyPassword(password, user?.passwordHash ?? await decoyPasswordHash())
  if (!user || !valid) {
    throw createError({ statusCode: 401, statusMessage: 'Invalid email or password' })
  }
  const { refreshToken, family } = await issueRefreshToken(user.id)
  return { token: await signToken(user, family), refreshToken }
})
