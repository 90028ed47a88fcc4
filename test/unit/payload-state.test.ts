import { isReactive } from 'vue'
import { describe, expect, it } from 'vitest'
import { initialAuthState, serializeAuthState, useAuthStateFields, type AuthStateFields } from '../../src/runtime/app/state'

/** What the server's render ended with: a signed-in visitor. */
function renderedState(data: AuthStateFields['data']): AuthStateFields {
  return {
    ...initialAuthState(),
    machine: { phase: 'authenticated', activity: null, error: null, checkFailed: false, epoch: 0 },
    data,
    lastRefreshedAt: new Date('2026-12-01T10:00:00.000Z'),
    checkedOnServer: true,
    tokensSeen: { token: true, refreshToken: true },
    serverTime: 1_796_119_850_348,
  }
}

/** The browser's side: the state the payload brought, as the app layer reads it. */
function hydrate(sent: unknown): AuthStateFields {
  return useAuthStateFields({ payload: { gatekeeper: sent } } as never)
}

describe('the auth state in the SSR payload', () => {
  it('travels as one JSON string when the session is plain JSON, and the browser gets the same state back (Date included)', () => {
    const state = renderedState({ id: 'u1', name: 'Ada', roles: ['admin'], nested: { n: 1 } })
    const sent = serializeAuthState(state)
    expect(typeof sent).toBe('string')
    const fields = hydrate(sent)
    expect(isReactive(fields)).toBe(true)
    expect({ ...fields }).toEqual(state)
    expect(fields.lastRefreshedAt).toBeInstanceOf(Date)
  })

  it('keeps a state nobody checked as it was (undefined stays undefined, not null)', () => {
    const fields = hydrate(serializeAuthState(initialAuthState()))
    expect({ ...fields }).toEqual(initialAuthState())
    expect(fields.data).toBeUndefined()
  })

  it('keeps every other field as it was: nobody (null, not undefined), each mix of tokens seen, an error and an activity', () => {
    for (const tokensSeen of [undefined, { token: false, refreshToken: false }, { token: true, refreshToken: false }, { token: false, refreshToken: true }, { token: true, refreshToken: true }]) {
      const state: AuthStateFields = { ...renderedState(null), machine: { phase: 'unauthenticated', activity: 'refreshing', error: 'NETWORK', checkFailed: true, epoch: 3 }, lastRefreshedAt: undefined, checkedOnServer: false, tokensSeen, serverTime: undefined }
      expect({ ...hydrate(serializeAuthState(state)) }).toEqual(state)
    }
    // A sign-in page code ran during the render failed: an error, but no failed check (the guard still waits for one).
    for (const checkedOnServer of [false, true]) {
      const refused: AuthStateFields = { ...renderedState(null), machine: { phase: 'unknown', activity: null, error: 'INVALID_CREDENTIALS', checkFailed: false, epoch: 0 }, checkedOnServer }
      expect({ ...hydrate(serializeAuthState(refused)) }).toEqual(refused)
    }
  })

  it('carries the fields by position, not by name: the string devalue escapes is under half as long', () => {
    const state = renderedState({ id: 'u1', name: 'Bench User 1', username: 'user1' })
    const sent = serializeAuthState(state) as string
    expect(sent).not.toMatch(/machine|phase|tokensSeen|lastRefreshedAt|serverTime/)
    expect(sent.length).toBeLessThan(JSON.stringify({ ...state, lastRefreshedAt: state.lastRefreshedAt?.getTime() }).length / 2)
  })

  it('leaves a session that is not plain JSON (a Date from a custom strategy) to devalue, as the object itself', () => {
    const state = renderedState({ id: 'u1', since: new Date('2020-01-01T00:00:00.000Z') } as never)
    const sent = serializeAuthState(state)
    expect(sent).toBe(state)
    expect(hydrate(sent).data).toEqual({ id: 'u1', since: new Date('2020-01-01T00:00:00.000Z') })
  })
})
