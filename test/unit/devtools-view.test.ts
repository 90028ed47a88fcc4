// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest'
import type { DevtoolsApi, DevtoolsSnapshot } from '../../src/runtime/app/devtools/plugin'
import { describeToken } from '../../src/runtime/app/devtools/token'
import { createPanel, duration, relative } from '../../src/runtime/devtools/view'

// The DevTools tab's page (development only) against a stand-in for the app's `$gatekeeperDevtools`.

const NOW = Date.parse('2026-01-01T12:00:00Z')
const RAW = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2ln'

function snapshot(overrides: Partial<DevtoolsSnapshot> = {}): DevtoolsSnapshot {
  return {
    tab: 'tab-a',
    provider: 'local',
    sessions: false,
    httpOnly: false,
    status: 'authenticated',
    phase: 'authenticated',
    activity: null,
    errorCode: null,
    checkFailed: false,
    data: { id: 1, name: 'Ada' },
    session: '1:ada',
    lastRefreshedAt: new Date(NOW - 5000).toISOString(),
    tokens: {
      kept: true,
      readable: true,
      cookieNames: { token: 'auth.token', refreshToken: 'auth.refresh-token' },
      access: { format: 'jwt', length: RAW.length, header: { alg: 'HS256' }, claims: { sub: 'u1', exp: (NOW + 42_000) / 1000 }, expiresAt: NOW + 42_000, issuedAt: NOW - 18_000 },
      refresh: { format: 'opaque', length: 43, expiresAt: null, issuedAt: null },
    },
    clockOffsetMs: 0,
    canRefresh: true,
    nextRefreshAt: NOW + 22_000,
    entries: {
      refreshes: [
        { id: 'c-1', at: NOW - 1000, side: 'client', kind: 'refresh', trigger: 'timer', tab: 'tab-b', fromOtherTab: true, outcome: 'refreshed', durationMs: 60 },
        { id: 'c-2', at: NOW - 2000, side: 'client', kind: 'refresh', trigger: '401', tab: 'tab-a', outcome: 'refused', code: 'REFRESH_REFUSED', message: 'refused' },
      ],
      guard: [
        { id: 's-1', at: NOW - 3000, side: 'server', kind: 'guard', route: '/profile', verdict: 'login', target: '/login?redirect=%2Fprofile', why: 'page meta auth: true (protected page); signed out' },
      ],
      events: [
        { id: 'c-3', at: NOW - 4000, side: 'client', kind: 'event', name: 'error', detail: 'getSession: unreachable', code: 'NETWORK', operation: 'getSession', fix: 'the backend could not be reached' },
        { id: 'c-4', at: NOW - 4500, side: 'client', kind: 'event', name: 'response', detail: 'getSession: /api/auth/session answered 200', status: 200 },
      ],
    },
    version: 1,
    ...overrides,
  }
}

function mount(current: () => DevtoolsSnapshot | null, api: Partial<DevtoolsApi> = {}) {
  const root = document.createElement('main')
  document.body.replaceChildren(root)
  let now = NOW
  const snapshots: Array<{ raw?: boolean, session?: string } | undefined> = []
  const full: DevtoolsApi = {
    version: () => 1,
    snapshot: (options) => {
      snapshots.push(options)
      const value = current()
      if (!value) throw new Error('gone')
      // As the app's: raw only for the session asked about.
      if (!options?.raw || (options.session !== undefined && options.session !== value.session)) return value
      const { access, refresh } = value.tokens
      return { ...value, tokens: { ...value.tokens, access: access && { ...access, raw: RAW }, refresh: refresh && { ...refresh, raw: 'refresh-secret' } } }
    },
    refresh: async () => ({ ok: true, detail: 'refreshed: session data updated' }),
    recheck: async () => ({ ok: true, detail: 'the backend answered with a session' }),
    signOut: async () => ({ ok: true, detail: 'signed out' }),
    clearLog: () => {},
    ...api,
  }
  const panel = createPanel(root, { api: () => (current() ? full : null), now: () => now })
  panel.update()
  return { root, panel, snapshots, advance: (ms: number) => (now += ms), text: (selector: string) => Array.from(root.querySelectorAll(selector), element => element.textContent ?? '').join(' | ') }
}

/** Ticks or unticks one of the page's checkboxes as a user does. */
function setToggle(root: HTMLElement, name: 'raw' | 'responses', checked: boolean) {
  const toggle = root.querySelector<HTMLInputElement>(`[data-toggle=${name}]`)!
  toggle.checked = checked
  toggle.dispatchEvent(new Event('change'))
}

describe('devtools tab page', () => {
  it('names a failure a failed check only when a check reached no verdict, not after a wrong password', () => {
    const refused = mount(() => snapshot({ status: 'loading', phase: 'unknown', errorCode: 'INVALID_CREDENTIALS', checkFailed: false }))
    expect(refused.text('.error-code')).toBe(' last error: INVALID_CREDENTIALS')
    const unreachable = mount(() => snapshot({ status: 'loading', phase: 'unknown', errorCode: 'NETWORK', checkFailed: true }))
    expect(unreachable.text('.error-code')).toBe(' last check failed: NETWORK')
  })

  it('shows the status, the session data and the token\'s claims with exp counting down', () => {
    const { text, panel, advance } = mount(() => snapshot())
    expect(text('[data-status]')).toBe('authenticated')
    expect(JSON.parse(text('[data-session]'))).toEqual({ id: 1, name: 'Ada' })
    expect(text('[data-token="Access token"] p')).toContain('expires in 0:42')
    expect(text('[data-token="Access token"] p')).toContain('next automatic refresh in 0:22')
    expect(text('table.claims')).toContain('sub')
    advance(43_000)
    panel.tick()
    expect(text('[data-token="Access token"] p')).toContain('expires 0:01 ago')
  })

  it('a session that ends takes the raw view with it: the next user\'s tokens are shown only when asked again', () => {
    let signedIn: 'first' | 'none' | 'next' = 'first'
    const { root, panel, snapshots } = mount(() => (signedIn === 'none' ? snapshot({ status: 'unauthenticated', phase: 'unauthenticated', data: null, tokens: { ...snapshot().tokens, access: null, refresh: null } }) : snapshot()))
    setToggle(root, 'raw', true)
    expect(root.textContent).toContain(RAW)
    signedIn = 'none'
    panel.update()
    signedIn = 'next'
    panel.update()
    expect(root.textContent).not.toContain(RAW)
    expect(snapshots.at(-1)).toEqual({ raw: false })
    expect(root.querySelector<HTMLInputElement>('[data-toggle=raw]')!.checked).toBe(false)
  })

  it('another session between two polls (a sign-in over this one, another tab\'s user taken over) takes the raw view with it', () => {
    let user: 'ada' | 'bob' = 'ada'
    const { root, panel, snapshots } = mount(() => (user === 'ada' ? snapshot() : snapshot({ session: '1:bob', data: { id: 2, name: 'Bob' } })))
    setToggle(root, 'raw', true)
    expect(root.textContent).toContain(RAW)
    user = 'bob'
    panel.update()
    // Asked for Ada's session only: Bob's raw tokens never came, and the view is off until asked again.
    expect(snapshots.at(-1)).toEqual({ raw: true, session: '1:ada' })
    expect(root.textContent).not.toContain(RAW)
    expect(root.querySelector<HTMLInputElement>('[data-toggle=raw]')!.checked).toBe(false)
    panel.update()
    expect(snapshots.at(-1)).toEqual({ raw: false })
  })

  it('never shows a raw token unless asked', async () => {
    const { root, text, snapshots, panel } = mount(() => snapshot())
    expect(root.textContent).not.toContain(RAW)
    expect(snapshots.every(options => !options?.raw)).toBe(true)
    setToggle(root, 'raw', true)
    expect(snapshots.at(-1)).toEqual({ raw: true, session: '1:ada' })
    expect(text('[data-raw]')).toContain(RAW)
    expect(text('[data-raw]')).toContain('refresh-secret')
    setToggle(root, 'raw', false)
    panel.update()
    expect(root.textContent).not.toContain(RAW)
    expect(root.textContent).not.toContain('refresh-secret')
  })

  it('httpOnly cookies and session mode: says the token is not readable here', () => {
    const unreadable = { kept: true, readable: false, cookieNames: { token: 'auth.token', refreshToken: 'auth.refresh-token' }, access: null, refresh: null }
    // With refresh tokens the server holds (and spends) them: the header still says the app refreshes.
    const httpOnly = mount(() => snapshot({ httpOnly: true, canRefresh: true, nextRefreshAt: null, tokens: unreadable }))
    expect(httpOnly.text('[data-unreadable]')).toContain('are httpOnly: page scripts cannot read them')
    expect(httpOnly.root.querySelector('[data-toggle=raw]')).toBeNull()
    expect(httpOnly.text('header')).toContain('refresh tokens, httpOnly cookies')
    expect(httpOnly.root.querySelector('[data-action=refresh]')!.getAttribute('title')).toContain('the server does')
    const sessions = mount(() => snapshot({ sessions: true, httpOnly: true, canRefresh: true, nextRefreshAt: null, tokens: unreadable }))
    expect(sessions.text('[data-unreadable]')).toContain('Session mode: the tokens stay on the server')
    expect(sessions.text('header')).toContain('refresh tokens, session mode')
  })

  it('lists refreshes (trigger, tab, outcome), guard decisions and errors with their fix', () => {
    const { text, root } = mount(() => snapshot())
    expect(text('[data-section=refreshes] tbody tr')).toContain('timer (before expiry)')
    expect(text('[data-section=refreshes] tbody tr')).toContain('tab-b (another tab)')
    expect(text('[data-refresh=refused]')).toContain('REFRESH_REFUSED')
    expect(text('[data-guard=login]')).toContain('/profile')
    expect(text('[data-guard=login]')).toContain('/login?redirect=%2Fprofile')
    expect(text('[data-guard=login]')).toContain('signed out')
    expect(text('[data-event=error]')).toContain('NETWORK')
    expect(text('[data-event=error]')).toContain('the backend could not be reached')
    // Successful backend answers only when asked.
    expect(root.querySelector('[data-event=response]')).toBeNull()
    setToggle(root, 'responses', true)
    expect(text('[data-event=response]')).toContain('answered 200')
  })

  it('the buttons call the app and show the outcome; a failure shows its code', async () => {
    const refresh = vi.fn(async () => ({ ok: false as const, code: 'NETWORK', message: 'unreachable' }))
    const signOut = vi.fn(async () => ({ ok: true as const, detail: 'signed out' }))
    const { root, text } = mount(() => snapshot(), { refresh, signOut })
    root.querySelector<HTMLButtonElement>('[data-action=refresh]')!.click()
    await vi.waitFor(() => expect(text('[data-result]')).toBe('refresh failed: NETWORK: unreachable'))
    root.querySelector<HTMLButtonElement>('[data-action=signOut]')!.click()
    await vi.waitFor(() => expect(text('[data-result]')).toBe('signOut: signed out'))
    expect(refresh).toHaveBeenCalledOnce()
    expect(signOut).toHaveBeenCalledOnce()
  })

  it('waits for the DevTools client, and follows the app when it comes and goes', () => {
    let current: DevtoolsSnapshot | null = null
    const { text, panel } = mount(() => current)
    expect(text('[data-disconnected]')).toContain('Waiting for the app')
    current = snapshot({ status: 'unauthenticated', phase: 'unauthenticated', data: null })
    panel.update()
    expect(text('[data-status]')).toBe('unauthenticated')
    current = snapshot()
    panel.update()
    expect(text('[data-status]')).toBe('authenticated')
  })

  it('formats times', () => {
    expect(duration(65_000)).toBe('1:05')
    expect(duration(2 * 3600_000 + 3 * 60_000)).toBe('2h 03m')
    expect(relative(NOW + 5000, NOW)).toBe('in 0:05')
    expect(relative(NOW - 5000, NOW)).toBe('0:05 ago')
  })
})

describe('devtools tab page: times in this browser\'s clock, and a session checked for the first time', () => {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const withToken = (offset: number, exp: number) => {
    const access = describeToken(`${part({ alg: 'HS256' })}.${part({ sub: 'u1', exp })}.c2ln`, offset, false)!
    return snapshot({ clockOffsetMs: offset, tokens: { kept: true, readable: true, cookieNames: { token: 'auth.token', refreshToken: null }, access, refresh: null } })
  }
  const expCountdown = (root: HTMLElement) => Array.from(root.querySelectorAll('table.claims tr')).find(row => row.querySelector('th')?.textContent === 'exp')!.querySelector<HTMLElement>('[data-countdown]')!

  it('the claims table counts exp down with the issuer clock\'s offset taken out, as the expiry line does', () => {
    // The issuer's clock 5 minutes ahead of this browser; the token has a minute left.
    const ahead = mount(() => withToken(5 * 60_000, (NOW + 5 * 60_000 + 60_000) / 1000))
    expect(ahead.text('[data-token="Access token"] > p')).toContain('expires in 1:00')
    expect(expCountdown(ahead.root).textContent).toBe('in 1:00')
    // This browser 10 minutes ahead of the issuer: a token with 5 minutes left is not shown expired.
    const behind = mount(() => withToken(-10 * 60_000, (NOW - 10 * 60_000 + 5 * 60_000) / 1000))
    expect(expCountdown(behind.root).textContent).toBe('in 5:00')
    expect(expCountdown(behind.root).classList.contains('expired')).toBe(false)
  })

  it('the session data says null once the first check answers nobody, not "not checked yet"', () => {
    let checked = false
    const { panel, text } = mount(() => snapshot(checked ? { status: 'unauthenticated', phase: 'unauthenticated', data: null } : { status: 'loading', phase: 'unknown', data: undefined }))
    expect(text('[data-session]')).toBe('undefined (not checked yet)')
    checked = true
    panel.update()
    expect(text('[data-status]')).toBe('unauthenticated')
    expect(text('[data-session]')).toBe('null')
  })
})
