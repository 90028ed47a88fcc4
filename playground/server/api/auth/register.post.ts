/** Creates an account. 422 with per-field messages when the input breaks the rules, 409 when the email is taken. */
export default defineEventHandler(async (event) => {
  // Malformed JSON makes readBody throw a 400 by itself.
  const body = await readBody(event)
  const parsed = SignupSchema.safeParse(body ?? {})
  if (!parsed.success) {
    throw createError({ statusCode: 422, statusMessage: 'Validation failed', data: { errors: fieldErrors(parsed.error) } })
  }
  const user = await createUser(parsed.data)
  if (!user) {
    throw createError({ statusCode: 409, statusMessage: 'Email already registered', data: { errors: { email: ['An account with this email already exists.'] } } })
  }
  setResponseStatus(event, 201)
  return { user: toPublicUser(user) }
})
