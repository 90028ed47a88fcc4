/** Exchanges email + password for a short-lived HS256 JWT and a rotating refresh token: `{ token, refreshToken }`. */
export default defineEventHandler(async (event) => {
  // Malformed JSON makes readBody throw a 400 by itself.
  const body = await readBody(event)
  const parsed = LoginSchema.safeParse(body ?? {})
  if (!parsed.success) {
    throw createError({ statusCode: 400, statusMessage: 'Email and password are required' })
  }
  const { email, password } = parsed.data
  // Too many wrong passwords for this email lately: no password is checked until the window ends.
  const wait = loginWaitSeconds(email)
  if (wait > 0) {
    setResponseHeader(event, 'retry-after', wait)
    throw createError({ statusCode: 429, statusMessage: 'Too many failed sign-ins' })
  }
  const user = await findUserByEmail(email)
  // Always hash once, even for an unknown email, and answer both failures identically:
  // neither the message nor the timing tells an attacker which emails have accounts.
  const valid = await verifyPassword(password, user?.passwordHash ?? await decoyPasswordHash())
  if (!user || !valid) {
    recordLoginFailure(email)
    throw createError({ statusCode: 401, statusMessage: 'Invalid email or password' })
  }
  clearLoginFailures(email)
  const { refreshToken, family } = await issueRefreshToken(user.id)
  return { token: await signToken(user, family), refreshToken }
})
