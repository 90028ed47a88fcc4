import { defineEventHandler } from 'h3'
import { useRuntimeConfig } from '#imports'
import { resolveAuthConfig } from '../../shared/config'
import { SESSION_JAR } from '../../shared/event-jar'
import { loadRequestSession, sessionJar, storageUnavailable } from '../sessions/request'
import { sessionService } from '../sessions/service'
import { SessionStorageError } from '../sessions/store'

/**
 * Session mode: every request's session, loaded once (expiry and revocation enforced here), and the jar the
 * token store reads instead of token cookies. Storage down: a 503 for requests with a session cookie (nobody is
 * signed out, the cookie stays); requests without one go on.
 */
export default defineEventHandler(async (event) => {
  const service = await sessionService()
  let state
  try {
    state = await loadRequestSession(event, service)
  }
  catch (error) {
    if (error instanceof SessionStorageError) throw storageUnavailable(event, error)
    throw error
  }
  ;(event.context as Record<PropertyKey, unknown>)[SESSION_JAR] = sessionJar(state, resolveAuthConfig(useRuntimeConfig(event).public.auth))
})
