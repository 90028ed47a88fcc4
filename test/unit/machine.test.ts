import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import type { AuthErrorCode } from '../../src/runtime/core/errors'
import {
  initialMachineState,
  loadingOf,
  statusOf,
  transition,
  type AuthActivity,
  type AuthEvent,
  type AuthMachineState,
  type AuthPhase,
} from '../../src/runtime/core/machine'

/**
 * The status state machine (docs/contributing/architecture.md, "session"). Rules, as this test reads them:
 * - public status is `loading` exactly when the phase is `unknown`; an activity never changes it (rule 1);
 * - START only records the activity;
 * - VERDICT of the current epoch sets the phase (present → authenticated, absent → unauthenticated),
 *   ends the activity and clears the error and the failed-check mark;
 * - FAIL of the current epoch ends the activity and records the error; the phase stays (rule 2: no verdict); a
 *   FAIL marks the check failed unless it is about credentials (a sign-in or sign-up), which leaves the mark;
 * - SETTLE of the current epoch ends the activity; nothing else changes;
 * - VERDICT / FAIL / SETTLE of any other epoch are stale: nothing changes;
 * - SIGNED_IN / SIGNED_OUT set the phase, end the activity, clear the error and the mark and bump the epoch by one.
 */

const PHASES: AuthPhase[] = ['unknown', 'authenticated', 'unauthenticated']
const ACTIVITIES: AuthActivity[] = ['checking', 'refreshing', 'signingIn', 'signingUp', 'signingOut']
const CODES: AuthErrorCode[] = [
  'INVALID_CREDENTIALS', 'UNAUTHORIZED', 'REFRESH_REFUSED', 'NETWORK', 'TIMEOUT', 'SERVER',
  'BAD_REQUEST', 'BAD_RESPONSE', 'ENDPOINT_DISABLED', 'CSRF', 'NOT_SUPPORTED',
]

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
  }
  return value
}

/** The specification above, written independently of the implementation. */
function expected(state: AuthMachineState, event: AuthEvent): AuthMachineState {
  const same = { ...state }
  switch (event.type) {
    case 'START':
      return { ...same, activity: event.activity }
    case 'VERDICT':
      if (event.epoch !== state.epoch) return same
      return { phase: event.present ? 'authenticated' : 'unauthenticated', activity: null, error: null, checkFailed: false, epoch: state.epoch }
    case 'FAIL':
      if (event.epoch !== state.epoch) return same
      return { phase: state.phase, activity: null, error: event.code, checkFailed: event.about === 'credentials' ? state.checkFailed : true, epoch: state.epoch }
    case 'SETTLE':
      if (event.epoch !== state.epoch) return same
      return { ...same, activity: null }
    case 'SIGNED_IN':
      return { phase: 'authenticated', activity: null, error: null, checkFailed: false, epoch: state.epoch + 1 }
    case 'SIGNED_OUT':
      return { phase: 'unauthenticated', activity: null, error: null, checkFailed: false, epoch: state.epoch + 1 }
  }
}

function allStates(epoch: number): AuthMachineState[] {
  const states: AuthMachineState[] = []
  for (const phase of PHASES) {
    for (const activity of [null, ...ACTIVITIES]) {
      for (const error of [null, 'NETWORK', 'SERVER'] as const) {
        for (const checkFailed of [false, true]) states.push({ phase, activity, error, checkFailed, epoch })
      }
    }
  }
  return states
}

function allEvents(epoch: number): AuthEvent[] {
  const epochs = [epoch, epoch - 1, epoch + 1, 0, epoch + 100]
  const events: AuthEvent[] = ACTIVITIES.map(activity => ({ type: 'START', activity }))
  for (const e of epochs) {
    events.push({ type: 'VERDICT', present: true, epoch: e }, { type: 'VERDICT', present: false, epoch: e }, { type: 'SETTLE', epoch: e })
    for (const code of CODES) events.push({ type: 'FAIL', code, epoch: e, about: 'session' }, { type: 'FAIL', code, epoch: e, about: 'credentials' })
  }
  events.push({ type: 'SIGNED_IN' }, { type: 'SIGNED_OUT' })
  return events
}

describe('statusOf and the initial state', () => {
  it.each([
    ['unknown', 'loading'],
    ['authenticated', 'authenticated'],
    ['unauthenticated', 'unauthenticated'],
  ] as const)('phase %s is public status %s', (phase, status) => {
    expect(statusOf({ phase })).toBe(status)
  })

  it('starts with no verdict, no activity, no error, epoch 0, and is frozen', () => {
    expect(initialMachineState).toEqual({ phase: 'unknown', activity: null, error: null, checkFailed: false, epoch: 0 })
    expect(statusOf(initialMachineState)).toBe('loading')
    expect(Object.isFrozen(initialMachineState)).toBe(true)
  })
})

describe('transition: exhaustive table', () => {
  const EPOCH = 3
  const rows: Array<[string, AuthMachineState, AuthEvent]> = []
  for (const state of allStates(EPOCH)) {
    for (const event of allEvents(EPOCH)) {
      rows.push([`${state.phase}/${state.activity}/${state.error}/${state.checkFailed} + ${JSON.stringify(event)}`, state, event])
    }
  }

  it('covers every phase × activity × event type (with current and stale epochs)', () => {
    const types = new Set(rows.map(([, , event]) => event.type))
    expect([...types].sort()).toEqual(['FAIL', 'SETTLE', 'SIGNED_IN', 'SIGNED_OUT', 'START', 'VERDICT'])
    expect(new Set(rows.map(([, state]) => `${state.phase}/${state.activity}`)).size).toBe(PHASES.length * (ACTIVITIES.length + 1))
    expect(rows.length).toBeGreaterThan(1000)
  })

  it('matches the specification in every row, without mutating its inputs', () => {
    for (const [label, state, event] of rows) {
      const frozenState = deepFreeze({ ...state })
      const frozenEvent = deepFreeze({ ...event })
      const next = transition(frozenState, frozenEvent)
      expect(next, label).toEqual(expected(state, event))
      expect(frozenState, label).toEqual(state)
      expect(frozenEvent, label).toEqual(event)
    }
  })

  it('treats a stale VERDICT as a no-op: a check started before sign-out cannot sign the user back in', () => {
    const signedOut = transition(transition(initialMachineState, { type: 'START', activity: 'checking' }), { type: 'SIGNED_OUT' })
    const after = transition(signedOut, { type: 'VERDICT', present: true, epoch: 0 })
    expect(statusOf(after)).toBe('unauthenticated')
    expect(after).toEqual(signedOut)
  })

  it('keeps an authenticated user authenticated through a refresh that fails on the network (rules 1 and 2)', () => {
    let state = transition(initialMachineState, { type: 'SIGNED_IN' })
    state = transition(state, { type: 'START', activity: 'refreshing' })
    expect(statusOf(state)).toBe('authenticated')
    state = transition(state, { type: 'FAIL', code: 'NETWORK', epoch: state.epoch, about: 'session' })
    expect(state).toEqual({ phase: 'authenticated', activity: null, error: 'NETWORK', checkFailed: true, epoch: 1 })
  })

  it('clears a recorded error at the next verdict', () => {
    let state = transition(initialMachineState, { type: 'FAIL', code: 'SERVER', epoch: 0, about: 'session' })
    expect(state.error).toBe('SERVER')
    expect(statusOf(state)).toBe('loading')
    state = transition(state, { type: 'VERDICT', present: true, epoch: 0 })
    expect(state.error).toBeNull()
    expect(state.checkFailed).toBe(false)
  })

  it('a refused sign-in before the first verdict records its error, but not as a failed check (the guard still waits)', () => {
    let state = transition(initialMachineState, { type: 'START', activity: 'signingIn' })
    state = transition(state, { type: 'FAIL', code: 'INVALID_CREDENTIALS', epoch: 0, about: 'credentials' })
    expect(state).toEqual({ phase: 'unknown', activity: null, error: 'INVALID_CREDENTIALS', checkFailed: false, epoch: 0 })
    // After a failed check, a refused sign-in keeps the mark: no check is coming to wait for.
    state = transition(transition(state, { type: 'FAIL', code: 'NETWORK', epoch: 0, about: 'session' }), { type: 'FAIL', code: 'INVALID_CREDENTIALS', epoch: 0, about: 'credentials' })
    expect(state.checkFailed).toBe(true)
  })

  it('counts a FAIL that does not say what failed as a failed check (fails closed)', () => {
    const state = transition(initialMachineState, { type: 'FAIL', code: 'NETWORK', epoch: 0 } as unknown as AuthEvent)
    expect(state.checkFailed).toBe(true)
  })
})

describe('transition: model-based property', () => {
  /**
   * Events are generated relative to the state they are applied to, so that current-epoch events are common
   * (an absolute random epoch would almost always be stale). `epochOffset` 0 = current epoch.
   */
  type EventTemplate
    = | { type: 'START', activity: AuthActivity }
      | { type: 'VERDICT', present: boolean, epochOffset: number }
      | { type: 'FAIL', code: AuthErrorCode, epochOffset: number, about: 'session' | 'credentials' }
      | { type: 'SETTLE', epochOffset: number }
      | { type: 'SIGNED_IN' }
      | { type: 'SIGNED_OUT' }

  const epochOffset = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -3, max: 3 }) })
  const eventArbitrary: fc.Arbitrary<EventTemplate> = fc.oneof(
    fc.record({ type: fc.constant('START' as const), activity: fc.constantFrom(...ACTIVITIES) }),
    fc.record({ type: fc.constant('VERDICT' as const), present: fc.boolean(), epochOffset }),
    fc.record({ type: fc.constant('FAIL' as const), code: fc.constantFrom(...CODES), epochOffset, about: fc.constantFrom('session' as const, 'credentials' as const) }),
    fc.record({ type: fc.constant('SETTLE' as const), epochOffset }),
    fc.constant({ type: 'SIGNED_IN' as const }),
    fc.constant({ type: 'SIGNED_OUT' as const }),
  )

  function instantiate(template: EventTemplate, state: AuthMachineState): AuthEvent {
    if ('epochOffset' in template) {
      const { epochOffset: offset, ...rest } = template
      return { ...rest, epoch: state.epoch + offset } as AuthEvent
    }
    return template
  }

  it('keeps every invariant after each step of random event sequences', () => {
    fc.assert(fc.property(fc.array(eventArbitrary, { maxLength: 40 }), (templates) => {
      let state: AuthMachineState = initialMachineState
      // A minimal model: the phase and epoch the rules predict.
      let modelPhase: AuthPhase = 'unknown'
      let modelEpoch = 0

      for (const template of templates) {
        const event = deepFreeze(instantiate(template, state))
        const before = deepFreeze({ ...state })
        const snapshot = structuredClone(before)
        const next = transition(before, event)
        const current = 'epoch' in event && event.epoch === before.epoch
        const stale = 'epoch' in event && !current

        // Never mutates its input.
        expect(before).toEqual(snapshot)

        // loading iff unknown.
        expect(statusOf(next) === 'loading').toBe(next.phase === 'unknown')

        // Only VERDICT(false) of the current epoch or SIGNED_OUT move to unauthenticated.
        if (next.phase === 'unauthenticated' && before.phase !== 'unauthenticated') {
          expect((event.type === 'VERDICT' && !event.present && current) || event.type === 'SIGNED_OUT').toBe(true)
        }

        // FAIL, START and SETTLE never change the phase.
        if (event.type === 'FAIL' || event.type === 'START' || event.type === 'SETTLE') expect(next.phase).toBe(before.phase)

        // Stale answers are no-ops.
        if (stale) expect(next).toEqual(before)

        // The epoch only grows, by exactly one on SIGNED_IN / SIGNED_OUT, and not otherwise.
        if (event.type === 'SIGNED_IN' || event.type === 'SIGNED_OUT') expect(next.epoch).toBe(before.epoch + 1)
        else expect(next.epoch).toBe(before.epoch)

        // Once authenticated, only VERDICT(false) of the current epoch or SIGNED_OUT leave it; a re-check
        // or refresh never shows loading (DESIGN rule 1).
        if (before.phase === 'authenticated' && next.phase !== 'authenticated') {
          expect(next.phase).toBe('unauthenticated')
          expect((event.type === 'VERDICT' && !event.present && current) || event.type === 'SIGNED_OUT').toBe(true)
        }
        if (before.phase !== 'unknown') expect(statusOf(next)).not.toBe('loading')

        // A verdict or sign-in/out ends whatever was running.
        if (!stale && event.type !== 'START') expect(next.activity).toBeNull()
        if (event.type === 'START') expect(next.activity).toBe(event.activity)

        // A failed check is always an error on record; it is only marked by a current FAIL about the session, and
        // only a verdict or a sign-in/out clears it.
        if (next.checkFailed) expect(next.error).not.toBeNull()
        if (next.checkFailed && !before.checkFailed) expect(event.type === 'FAIL' && event.about === 'session' && current).toBe(true)
        if (before.checkFailed && !next.checkFailed) expect(['VERDICT', 'SIGNED_IN', 'SIGNED_OUT']).toContain(event.type)

        // The model agrees.
        if (event.type === 'SIGNED_IN' || event.type === 'SIGNED_OUT') {
          modelPhase = event.type === 'SIGNED_IN' ? 'authenticated' : 'unauthenticated'
          modelEpoch++
        }
        else if (event.type === 'VERDICT' && current) modelPhase = event.present ? 'authenticated' : 'unauthenticated'
        expect(next.phase).toBe(modelPhase)
        expect(next.epoch).toBe(modelEpoch)

        state = next
      }
    }), { numRuns: 600 })
  })
})

describe('loading (useAuthState().loading)', () => {
  it('before the first verdict (the check still to come), during any operation; not once a check failed without a verdict, nor at rest', () => {
    const run = (...events: AuthEvent[]) => events.reduce(transition, initialMachineState)
    // A page whose server render made no check hydrates: no verdict, nothing running yet.
    expect(loadingOf(initialMachineState)).toBe(true)
    expect(loadingOf(run({ type: 'START', activity: 'checking' }))).toBe(true)
    expect(loadingOf(run({ type: 'START', activity: 'checking' }, { type: 'FAIL', code: 'NETWORK', epoch: 0, about: 'session' }))).toBe(false)
    const signedIn = run({ type: 'START', activity: 'checking' }, { type: 'VERDICT', present: true, epoch: 0 })
    expect(loadingOf(signedIn)).toBe(false)
    // A re-check shows activity, not a status change.
    const rechecking = transition(signedIn, { type: 'START', activity: 'checking' })
    expect({ loading: loadingOf(rechecking), status: statusOf(rechecking) }).toEqual({ loading: true, status: 'authenticated' })
    expect(loadingOf(run({ type: 'START', activity: 'checking' }, { type: 'VERDICT', present: false, epoch: 0 }))).toBe(false)
  })
})
