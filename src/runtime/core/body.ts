/** `auth.maxBodyBytes` when the app sets none: sign-in, sign-up and Auth.js forms are far smaller. */
export const DEFAULT_MAX_BODY_BYTES = 65_536

/** Thrown when a request body passes its limit; the server routes answer it with 413. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError'
  constructor(readonly limit: number) {
    super(`The request body is larger than ${limit} bytes (auth.maxBodyBytes)`)
  }
}
