import { getRequestHeaders, type H3Event } from 'h3'

/**
 * The request as Auth.js needs it: on the app's public origin, with every header and the raw body.
 * `readBody` reads the body within the module's size limit (server/body.ts).
 */
export async function toWebRequest(event: H3Event, origin: string, readBody: (event: H3Event) => Promise<Uint8Array | undefined>): Promise<Request> {
  const headers = new Headers()
  for (const [name, value] of Object.entries(getRequestHeaders(event))) if (value !== undefined) headers.set(name, value)
  const hasBody = event.method !== 'GET' && event.method !== 'HEAD'
  const body = hasBody ? await readBody(event) : undefined
  // The full path: a prefix the handler is mounted under (app.use('/api/auth', …)) is part of Auth.js's basePath.
  const path = (event.node.req as { originalUrl?: string }).originalUrl || event.path
  return new Request(new URL(path, origin), { method: event.method, headers, body: body ? new Uint8Array(body) : undefined })
}
