import { deleteCookie, type H3Event } from 'h3'
import { sessionCookie, requestSession, storageUnavailable } from './request'
import { sessionService } from './service'
import { SessionStorageError, type SessionInfo } from './store'

// Session mode's server utilities (auto-imported in Nitro, and from '#auth'). A failing storage is a 503.

function isEvent(value: unknown): value is H3Event {
  return typeof value === 'object' && value !== null && 'node' in value && 'context' in value
}

async function withStorage<T>(event: H3Event | null, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  }
  catch (error) {
    if (error instanceof SessionStorageError && event) throw storageUnavailable(event, error)
    throw error
  }
}

/** The id (`listUserSessions`' `id`) of the request's session, or null. */
export function currentSessionId(event: H3Event): string | null {
  return requestSession(event)?.open?.handle ?? null
}

/**
 * Ends a session: the request's own (an event; its cookie goes too), or one from `listUserSessions` (an id).
 * Takes effect on every server instance at once: the next request with that session is signed out.
 */
export async function revokeSession(target: H3Event | string): Promise<void> {
  const service = await sessionService()
  if (!isEvent(target)) return await service.revoke(target)
  const state = requestSession(target)
  const open = state?.open
  if (!state || !open) return
  await withStorage(target, () => service.revoke(open.handle))
  state.open = null
  state.persisted = state.current = { token: null, refreshToken: null }
  const cookie = sessionCookie(target, service)
  deleteCookie(target, cookie.name, cookie.attributes)
}

/**
 * Signs a user out everywhere ("sign out of all devices"); `except` keeps one session, e.g. the current request's
 * (an event) or an id. Resolves with how many sessions ended. The backend's tokens are not revoked there: each
 * session's refresh token simply is never used again.
 */
export async function revokeUserSessions(userId: string | number, { except }: { except?: H3Event | string } = {}): Promise<number> {
  const service = await sessionService()
  const event = isEvent(except) ? except : null
  const kept = event ? currentSessionId(event) : except ?? null
  return await withStorage(event, async () => {
    const handles = (await service.userHandles(userId)).filter(handle => handle !== kept)
    await Promise.all(handles.map(handle => service.revoke(handle)))
    return handles.length
  })
}

/** The user's live sessions, most recently seen first (`current` marks the given request's own). */
export async function listUserSessions(userId: string | number, event?: H3Event): Promise<SessionInfo[]> {
  const service = await sessionService()
  return await withStorage(event ?? null, () => service.listUser(userId, event ? currentSessionId(event) : null))
}
