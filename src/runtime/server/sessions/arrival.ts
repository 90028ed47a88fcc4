import type { H3Event } from 'h3'
import type { PublicAuthConfig } from '../../core/config'
import { SESSION_ERROR, SESSION_EVENT, SESSION_JAR } from '../../shared/event-jar'
import { storageUnavailable } from '../relay'
import { loadRequestSession, presentedSessionCookie, sessionJar, unstartedJar } from './request'
import { SessionStorageError, type SessionService } from './store'

/** The session service did not start (its storage's driver missing, say): no session can be read or made. */
class ServiceNotStarted extends SessionStorageError {}

/** What is said (logged once at start, and with every 503 it causes) when the session service did not start. */
export function notStartedMessage(error: unknown): string {
  return `auth.sessions could not start: ${(error as Error)?.message ?? error}`
}

/**
 * Loads the session of a request as it arrives (the plugin's `request` hook, before any middleware of the app,
 * which may read it) into its context: the jar its token store reads, or the failure (a 503) every reader gets.
 * `assets`: the app's built files' path, whose requests need no session. `signIns`: the paths of the module's routes
 * that start a session (sign-in, sign-up), app base included.
 */
export async function attachRequestSession(event: H3Event, ready: Promise<SessionService>, { settings, config, assets, signIns }: { settings: SessionService['settings'], config: PublicAuthConfig, assets: string, signIns: readonly string[] }) {
  const context = event.context as Record<PropertyKey, unknown>
  context[SESSION_EVENT] = event
  // Requests without the cookie cost no storage read.
  const presented = event.path.startsWith(assets) ? null : presentedSessionCookie(event, { settings }) ?? null
  try {
    const service = await ready.catch((error: unknown) => {
      throw new ServiceNotStarted(notStartedMessage(error), { cause: error })
    })
    context[SESSION_JAR] = sessionJar(await loadRequestSession(event, service, { presented }), config)
  }
  catch (error) {
    // Not started: a request without a session has nothing to load, and its page renders. A sign-in gets the 503
    // before the backend is asked (its tokens could be stored nowhere); one the app makes itself, when it writes them.
    if (error instanceof ServiceNotStarted && !presented && !signIns.includes(event.path.split('?')[0]!)) context[SESSION_JAR] = unstartedJar(error)
    // Storage down: whatever reads the tokens answers 503; nobody is signed out, the cookie stays.
    else context[SESSION_ERROR] = error instanceof SessionStorageError ? storageUnavailable(event, error) : error
  }
}
