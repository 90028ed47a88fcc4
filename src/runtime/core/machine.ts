import type { AuthErrorCode } from './errors'

/**
 * The verdict we hold about the user. `unknown` means no verdict yet (never checked, or every check so far
 * failed without an answer); it is the only phase shown publicly as `loading`.
 */
export type AuthPhase = 'unknown' | 'authenticated' | 'unauthenticated'

/** What is running right now. It never changes the public status on its own (a re-check never shows `loading`). */
export type AuthActivity = 'checking' | 'refreshing' | 'signingIn' | 'signingUp' | 'signingOut'

export type AuthStatus = 'loading' | 'authenticated' | 'unauthenticated'

export interface AuthMachineState {
  phase: AuthPhase
  activity: AuthActivity | null
  /** Code of the last failure that did not reach a verdict; cleared by the next verdict. */
  error: AuthErrorCode | null
  /**
   * True when the last check of the session (a session call or a refresh) reached no verdict; cleared by the next
   * verdict. A failed sign-in or sign-up sets `error` but leaves this as it was: it says nothing about the session
   * the user may still hold, so the guard keeps waiting for the check still to come.
   */
  checkFailed: boolean
  /**
   * Bumped by every sign-in and sign-out. Answers to operations started in an older epoch are stale
   * (a session check that returns after the user signed out must not sign them back in).
   */
  epoch: number
}

export type AuthEvent
  /** An operation starts. */
  = | { type: 'START', activity: AuthActivity }
  /** A check answered: a session exists (`present`) or the backend says there is none. */
    | { type: 'VERDICT', present: boolean, epoch: number }
  /**
   * An operation failed without a verdict (network, timeout, 5xx, bad response, refused credentials): a check of
   * the `session` (a session call, a refresh), or a sign-in or sign-up (`credentials`), whatever the cause.
   */
    | { type: 'FAIL', code: AuthErrorCode, epoch: number, about: 'session' | 'credentials' }
  /** An operation finished without changing the verdict (e.g. signUp with preventLoginFlow). */
    | { type: 'SETTLE', epoch: number }
  /** The user signed in (here or in another tab). */
    | { type: 'SIGNED_IN' }
  /** The user signed out (here, in another tab, or the backend refused the session). */
    | { type: 'SIGNED_OUT' }

export const initialMachineState: AuthMachineState = Object.freeze({ phase: 'unknown', activity: null, error: null, checkFailed: false, epoch: 0 })

/** Pure transition function: `(state, event) -> state`. Never mutates its input. */
export function transition(state: AuthMachineState, event: AuthEvent): AuthMachineState {
  switch (event.type) {
    case 'START':
      return { ...state, activity: event.activity }
    case 'VERDICT':
      if (event.epoch !== state.epoch) return state
      return { ...state, phase: event.present ? 'authenticated' : 'unauthenticated', activity: null, error: null, checkFailed: false }
    case 'FAIL':
      if (event.epoch !== state.epoch) return state
      // Anything but a sign-in's or sign-up's own failure counts as a failed check: an event without `about` fails closed.
      return { ...state, activity: null, error: event.code, checkFailed: event.about !== 'credentials' || state.checkFailed }
    case 'SETTLE':
      if (event.epoch !== state.epoch) return state
      return { ...state, activity: null }
    case 'SIGNED_IN':
      return { phase: 'authenticated', activity: null, error: null, checkFailed: false, epoch: state.epoch + 1 }
    case 'SIGNED_OUT':
      return { phase: 'unauthenticated', activity: null, error: null, checkFailed: false, epoch: state.epoch + 1 }
  }
}

/** The public, sidebase-compatible status. Derived from the phase only, so no activity can flip it to loading. */
export function statusOf(state: Pick<AuthMachineState, 'phase'>): AuthStatus {
  return state.phase === 'unknown' ? 'loading' : state.phase
}

/**
 * `useAuthState().loading`: an operation runs, or no verdict is held yet and the first check is still to come (a
 * page whose server render made none hydrates with `loading` as its HTML has it, as with the incumbent). A check
 * that failed without a verdict is over.
 */
export function loadingOf(state: Pick<AuthMachineState, 'phase' | 'activity' | 'checkFailed'>): boolean {
  return state.activity !== null || (state.phase === 'unknown' && !state.checkFailed)
}
