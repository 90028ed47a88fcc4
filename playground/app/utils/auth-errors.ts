import { isAuthError } from '#auth'

/** A sentence for the user, by `AuthError.code` (never by parsing messages). */
export function authErrorMessage(error: unknown): string {
  if (!isAuthError(error)) return 'Something went wrong. Please try again.'
  switch (error.code) {
    case 'INVALID_CREDENTIALS':
      return 'Wrong email or password'
    case 'BAD_REQUEST':
      return backendMessage(error.data) ?? 'The server rejected the request. Check the form and try again.'
    case 'RATE_LIMITED':
      return error.retryAfterMs === undefined ? 'Too many attempts. Please wait a moment and try again.' : `Too many attempts. Try again in ${Math.ceil(error.retryAfterMs / 1000)} s.`
    case 'NETWORK':
      return 'Could not reach the server. Check your connection and try again.'
    case 'TIMEOUT':
      return 'The server took too long to answer. Please try again.'
    case 'SERVER':
      return 'The server had a problem. Please try again in a moment.'
    default:
      return error.message
  }
}

/**
 * Per-field messages from the backend's error body. h3's `createError({ data })` puts our
 * `{ errors }` under the body's `data`; accept it at the top level too, and ignore anything else.
 */
export function fieldErrorsOf(error: unknown): Record<string, string[]> {
  if (!isAuthError(error)) return {}
  const body = asRecord(error.data)
  const errors = asRecord(asRecord(body?.data)?.errors) ?? asRecord(body?.errors)
  if (!errors) return {}
  const result: Record<string, string[]> = {}
  for (const [field, messages] of Object.entries(errors)) {
    const list = (Array.isArray(messages) ? messages : [messages]).filter((m): m is string => typeof m === 'string')
    if (list.length > 0) result[field] = list
  }
  return result
}

function backendMessage(data: unknown): string | undefined {
  const body = asRecord(data)
  const message = body?.statusMessage ?? body?.message
  return typeof message === 'string' && message.length > 0 ? message : undefined
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined
}
