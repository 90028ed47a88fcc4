import { timingSafeEqual } from 'node:crypto'
import type { H3Event } from 'h3'
import { RENDER_HEADER } from '../core/protocol'
import { SESSION_JAR } from './event-jar'
import { unreadableJar } from './token-store'
import { serverSettings } from './server-settings'

// Server code only (the plugin imports it on the server): a client that knew the mark could send it and have a
// render skip its session check. Such a render reads no token cookies (readNoCookies), so that gains a token's holder
// nothing, but the mark is still nobody's business outside the server.

/** Shorter than this, a mark set through the environment could be guessed. */
const MIN_LENGTH = 16

let header: Readonly<Record<string, string>> | undefined

/** The header this app's renders send to its own routes: the same on every instance of one build. */
export function renderMarkHeader(): Readonly<Record<string, string>> {
  return header ??= Object.freeze({ [RENDER_HEADER]: checkedMark(serverSettings().renderMark) })
}

/** Whether this request is a render of this app (on this instance or another) asking its backend. */
export function fromOwnRender(event: H3Event): boolean {
  const sent = event.node.req.headers[RENDER_HEADER]
  // Most requests carry none: one header read. A sent one is compared in constant time (a secret).
  return typeof sent === 'string' && sameSecret(sent, renderMarkHeader()[RENDER_HEADER]!)
}

/** A render that answers another render's request reads no cookies: nobody is signed in there. */
export function readNoCookies(event: H3Event) {
  (event.context as Record<symbol, unknown>)[SESSION_JAR] = unreadableJar
}

function sameSecret(sent: string, mark: string): boolean {
  const given = Buffer.from(sent)
  const expected = Buffer.from(mark)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

function checkedMark(mark: unknown): string {
  // destr reads a numeric value as a number.
  const value = typeof mark === 'number' ? String(mark) : mark
  if (typeof value !== 'string' || value.length < MIN_LENGTH) {
    // The server's start stops here (server/plugins/render-mark.ts): a guessable mark would let visitors skip its guard.
    throw new Error(`[nuxt-gatekeeper] NUXT_AUTH_RENDER_MARK must be at least ${MIN_LENGTH} characters (got ${typeof value === 'string' ? value.length : typeof value}). Fix: set the same random value on every instance (openssl rand -hex 16), or unset it to use the one the build made.`)
  }
  return value
}
