import { getRequestHeader, getRequestProtocol, type H3Event } from 'h3'

/**
 * How the visitor reached this server, for a request this server makes on the visitor's behalf (the render's
 * session check, Auth.js's in-process calls): the visitor's own `X-Forwarded-Proto` as sent (a proxy chain's
 * `https, https` stays as it is), else the protocol of the connection. The backend then derives the same origin,
 * and the same cookie names, as from the visitor's own requests.
 */
export function visitorProtocol(event: H3Event): string {
  return getRequestHeader(event, 'x-forwarded-proto') || getRequestProtocol(event)
}
