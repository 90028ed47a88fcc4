import type { H3Event } from 'h3'
import { sessionLoadFailure } from '../../shared/event-jar'
import { storageUnavailable } from '../relay'
import { requestSession, writeSessionCookie } from './request'
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

/**
 * The request's session as loaded when it arrived. When the storage failed then, that failure (a 503) is thrown: the
 * request may well have a session, and taking it for none would end nothing, or end the caller's own session too.
 */
function loadedSession(event: H3Event) {
  const failure = sessionLoadFailure(event)
  if (failure) throw failure
  return requestSession(event)
}

/** The id (`listUserSessions`' `id`) of the request's session, or null. */
export function currentSessionId(event: H3Event): string | null {
  return loadedSession(event)?.open?.handle ?? null
}

/**
 * Ends a session: the request's own (an event; its cookie goes too), or one from `listUserSessions` (an id).
 * Takes effect on every server instance at once: the next request with that session is signed out.
 */
export async function revokeSession(target: H3Event | string): Promise<void> {
  if (!isEvent(target)) {
    await (await sessionService()).revoke(target)
    return
  }
  const state = loadedSession(target)
  const open = state?.open
  if (!state || !open) return
  const service = await sessionService()
  await withStorage(target, () => service.revoke(open.handle))
  state.open = null
  state.persisted = state.current = { token: null, refreshToken: null }
  writeSessionCookie(target, service, null)
}

/**
 * Signs a user out everywhere ("sign out of all devices"); `except` keeps one session, e.g. the current request's
 * (an event) or an id. Resolves with how many sessions ended. The backend's tokens are not revoked there: each
 * session's refresh token simply is never used again.
 */
export async function revokeUserSessions(userId: string | number, { except }: { except?: H3Event | string } = {}): Promise<number> {
  const event = isEvent(except) ? except : null
  const kept = event ? currentSessionId(event) : except ?? null
  const service = await sessionService()
  return await withStorage(event, async () => {
    const handles = (await service.userHandles(userId)).filter(handle => handle !== kept)
    // Only live ones count: an expired session a storage without expiring keys has not swept yet is no sign-out.
    // Every revocation is tried before a failure is reported.
    const outcomes = await Promise.allSettled(handles.map(handle => service.revoke(handle)))
    const failed = outcomes.find(outcome => outcome.status === 'rejected')
    if (failed) throw failed.reason
    return outcomes.filter(outcome => outcome.status === 'fulfilled' && outcome.value).length
  })
}

/** The user's live sessions, most recently seen first (`current` marks the given request's own). */
export async function listUserSessions(userId: string | number, event?: H3Event): Promise<SessionInfo[]> {
  const current = event ? currentSessionId(event) : null
  const service = await sessionService()
  return await withStorage(event ?? null, () => service.listUser(userId, current))
}
