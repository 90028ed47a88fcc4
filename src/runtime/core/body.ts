/** `auth.maxBodyBytes` when the app sets none: sign-in, sign-up and Auth.js forms are far smaller. */
export const DEFAULT_MAX_BODY_BYTES = 65_536

/** Thrown when a request body passes its limit; the server routes answer it with 413. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError'
  constructor(readonly limit: number) {
    super(`The request body is larger than ${limit} bytes (auth.maxBodyBytes)`)
  }
}

/**
 * Collects a request body, but stops as soon as it passes `limit` bytes, before buffering more: the module's
 * routes are reachable by anybody, and a body is read before anything else about the request is checked.
 * `declaredLength` (Content-Length) lets an oversized body be refused before a byte is read.
 */
export async function collectWithin(chunks: AsyncIterable<Uint8Array>, limit: number, declaredLength?: number): Promise<Uint8Array | undefined> {
  if (declaredLength !== undefined && Number.isFinite(declaredLength) && declaredLength > limit) throw new BodyTooLargeError(limit)
  const parts: Uint8Array[] = []
  let size = 0
  for await (const chunk of chunks) {
    size += chunk.length
    if (size > limit) throw new BodyTooLargeError(limit)
    parts.push(chunk)
  }
  if (size === 0) return undefined
  const body = new Uint8Array(size)
  let offset = 0
  for (const part of parts) {
    body.set(part, offset)
    offset += part.length
  }
  return body
}
