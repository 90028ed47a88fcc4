import type { GuardDecision, GuardInput } from '../../core/guard'

/**
 * Development only: what the runtime tells the Nuxt DevTools tab (src/devtools.ts) at its decision points.
 * Every call site guards with `if (import.meta.dev)`, so a production build drops the call and, unused, this
 * module. Nothing here holds a token or session data: the tab's log (./log.ts) keeps plain descriptions.
 */

/**
 * Who started a refresh: the timer before expiry, the tab coming back to the foreground, a 401 from the
 * backend, an expired token found by a session check (a navigation's guard, getSession), useAuthFetch before a
 * request, an explicit `refresh()`, the DevTools tab's button, or a server render with an expired token.
 */
export type RefreshTrigger = 'timer' | 'focus' | '401' | 'expired' | 'fetch' | 'manual' | 'devtools' | 'ssr'

export type DevSignal
  = | {
    type: 'guard'
    /** The route as navigated to (`fullPath`). */
    route: string
    input: GuardInput
    action: GuardDecision['action']
    /** Where the guard sends the user: a path, null to stay, 'wait' for the session check. */
    target: string | null
    /** `globalAppMiddleware.isEnabled` (with input.protectByDefault it tells global from a listed middleware). */
    global: boolean
    /** 'navigation': the route middleware; 'verdict': re-applied after a verdict outside a navigation. */
    origin: 'navigation' | 'verdict'
  }
  | { type: 'access', route: string, roles: unknown, can: boolean, target: string | 403 }
  | { type: 'refresh-trigger', trigger: RefreshTrigger }
  | { type: 'refresh-start', id: number, automatic: boolean, unauthorized: boolean }
  | { type: 'refresh-end', id: number, outcome: string | null, error: { code: string, status?: number, message: string } | null }

type Sink = (signal: DevSignal) => void

/** On globalThis: one sink per window (and per server process in development), whichever copy of this file runs. */
const SINK = '__nuxtGatekeeperDevtools__'

export function setDevSink(sink: Sink | undefined) {
  (globalThis as Record<string, unknown>)[SINK] = sink
}

export function devSignal(signal: DevSignal) {
  const sink = (globalThis as Record<string, unknown>)[SINK]
  if (typeof sink !== 'function') return
  try {
    (sink as Sink)(signal)
  }
  catch { /* the tab's bookkeeping never breaks the app */ }
}

/** Said right before a call that may refresh: the refresh it starts (in the same task) is attributed to it. */
export function devRefreshTrigger(trigger: RefreshTrigger) {
  devSignal({ type: 'refresh-trigger', trigger })
}

let refreshes = 0

/** A refresh attempt began (not a caller joining one in flight); its outcome is reported when it settles. */
export function devRefresh(attempt: Promise<string>, request: { automatic: boolean, unauthorized: boolean }) {
  const id = ++refreshes
  devSignal({ type: 'refresh-start', id, ...request })
  attempt.then(
    outcome => devSignal({ type: 'refresh-end', id, outcome, error: null }),
    (error: { code?: unknown, status?: unknown, message?: unknown }) => devSignal({
      type: 'refresh-end',
      id,
      outcome: null,
      error: {
        code: typeof error?.code === 'string' ? error.code : 'BAD_RESPONSE',
        status: typeof error?.status === 'number' ? error.status : undefined,
        message: String(error?.message ?? error),
      },
    }),
  )
}
