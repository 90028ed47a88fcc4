import type { ActionResult, DevtoolsApi, DevtoolsSnapshot, TokenInfo } from '../app/devtools/plugin'
import type { EventEntry, GuardEntry, RefreshEntry } from '../app/devtools/log'

/**
 * The DevTools tab's page (development only; see src/devtools.ts): plain DOM, no framework, text only (never
 * innerHTML: session data is the backend's). It polls the app's `$gatekeeperDevtools` and rebuilds a section
 * when what it shows changed; countdowns tick on their own.
 */

type Child = Node | string | null | undefined | false
type Attributes = Record<string, string | boolean | ((event: Event) => void) | undefined>

export function h(tag: string, attributes: Attributes = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, '').toLowerCase(), value)
    else element.setAttribute(name, value === true ? '' : value)
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    element.append(typeof child === 'string' ? document.createTextNode(child) : child)
  }
  return element
}

const pad = (value: number) => String(value).padStart(2, '0')

export function clockTime(at: number): string {
  const date = new Date(at)
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
}

/** `1:05`, `12:00`, `2h 03m`, `3d 4h`. */
export function duration(ms: number): string {
  const seconds = Math.floor(Math.abs(ms) / 1000)
  if (seconds >= 86_400) return `${Math.floor(seconds / 86_400)}d ${Math.floor((seconds % 86_400) / 3600)}h`
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)}h ${pad(Math.floor((seconds % 3600) / 60))}m`
  return `${Math.floor(seconds / 60)}:${pad(seconds % 60)}`
}

/** "in 0:42" / "0:05 ago". */
export function relative(at: number, now: number): string {
  return at >= now ? `in ${duration(at - now)}` : `${duration(now - at)} ago`
}

const TRIGGERS: Record<string, string> = {
  timer: 'timer (before expiry)',
  focus: 'focus (tab visible again)',
  401: '401 from the backend',
  expired: 'expired token at a session check (navigation, getSession)',
  fetch: 'useAuthFetch (expired token)',
  manual: 'refresh() call',
  devtools: 'DevTools button',
  ssr: 'server render (expired token)',
}

const VERDICTS: Record<string, string> = {
  allow: 'allow',
  wait: 'wait for the check',
  login: 'to login',
  redirect: 'redirect (guest only)',
  forbidden: 'forbidden',
}

/** A time that ticks (see tick()); `deadline`: shown red once past (an expiry, a due refresh). */
function countdown(at: number, now: number, deadline = true): HTMLElement {
  return h('span', { 'data-countdown': String(at), 'data-deadline': deadline ? '' : undefined, 'class': deadline && at < now ? 'expired' : '' }, relative(at, now))
}

/** A claim's value; a time claim also in this browser's time (the issuer's clock offset taken out, as for the expiry above). */
function claimValue(key: string, value: unknown, now: number, clockOffsetMs: number): Child[] {
  if ((key === 'exp' || key === 'iat' || key === 'nbf' || key === 'auth_time') && typeof value === 'number') {
    const at = value * 1000 - clockOffsetMs
    return [`${value} · ${new Date(at).toLocaleString()} · `, countdown(at, now, key === 'exp')]
  }
  return [typeof value === 'string' ? value : JSON.stringify(value)]
}

function table(headings: string[], rows: HTMLElement[], empty: string): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'muted' }, empty)
  return h('table', {}, h('thead', {}, h('tr', {}, ...headings.map(heading => h('th', {}, heading)))), h('tbody', {}, ...rows))
}

function sideBadge(side: 'client' | 'server'): HTMLElement {
  return h('span', { class: `badge ${side}` }, side)
}

export interface PanelState {
  showRaw: boolean
  /** Successful backend answers (`auth:response` below 400) in the events list. */
  showResponses: boolean
  result: (ActionResult & { action: string }) | null
  busy: string | null
}

export interface PanelOptions {
  /** The app's API, once the DevTools client brought it (null until then). */
  api: () => DevtoolsApi | null
  now?: () => number
}

/** Mounts the tab into `root`; `update()` re-reads the app (the page calls it on an interval). */
export function createPanel(root: HTMLElement, options: PanelOptions) {
  const now = options.now ?? Date.now
  const state: PanelState = { showRaw: false, showResponses: false, result: null, busy: null }
  const shown = new Map<string, string>()
  const sections = new Map<string, HTMLElement>()
  // The state on the left, the logs on the right (one column when the panel is narrow).
  const columns = { top: h('div', { class: 'top' }), state: h('div', { class: 'column' }), logs: h('div', { class: 'column' }) }
  let connected: boolean | null = null
  /** The session the last snapshot showed (its epoch and data), and the one the raw view was asked for in. */
  let shownSession = ''
  let rawSession = ''

  function section(column: keyof typeof columns, key: string, signature: unknown, build: () => HTMLElement[]) {
    const json = JSON.stringify(signature)
    let element = sections.get(key)
    if (!element) {
      element = h('section', { 'data-section': key })
      sections.set(key, element)
      columns[column].append(element)
    }
    if (shown.get(key) === json) return
    shown.set(key, json)
    element.replaceChildren(...build())
  }

  async function run(action: 'refresh' | 'recheck' | 'signOut') {
    const api = options.api()
    if (!api || state.busy) return
    state.busy = action
    update()
    const result = await api[action]().catch((error: unknown) => ({ ok: false as const, code: 'ERROR', message: String(error) }))
    state.busy = null
    state.result = { ...result, action }
    update()
  }

  function header(snapshot: DevtoolsSnapshot): HTMLElement[] {
    const button = (action: 'refresh' | 'recheck' | 'signOut', label: string, title: string) =>
      h('button', { 'type': 'button', title, 'data-action': action, 'disabled': state.busy !== null, 'onClick': () => void run(action) }, state.busy === action ? `${label}…` : label)
    const result = state.result
    return [
      h('header', {},
        h('div', { class: 'title' },
          h('strong', {}, 'nuxt-gatekeeper'),
          h('span', { class: 'muted' }, ` · ${[snapshot.provider, snapshot.canRefresh ? 'refresh tokens' : '', snapshot.sessions ? 'session mode' : snapshot.httpOnly ? 'httpOnly cookies' : ''].filter(Boolean).join(', ')} · this tab: ${snapshot.tab}`),
        ),
        h('div', { class: 'actions' },
          button('refresh', 'Refresh', snapshot.canRefresh ? 'refresh the tokens now (useAuth().refresh()); with httpOnly cookies or session mode the server does' : 'no refresh token: asks the backend for the session (useAuth().refresh())'),
          button('recheck', 'Re-check', 'ask the backend for the session (getSession)'),
          button('signOut', 'Sign out', 'useAuth().signOut()'),
        ),
      ),
      h('div', { class: 'status-line' },
        h('span', { 'class': `status ${snapshot.status}`, 'data-status': snapshot.status }, snapshot.status),
        h('span', { class: 'muted' }, ` phase ${snapshot.phase}${snapshot.activity ? `, ${snapshot.activity}` : ''}`),
        snapshot.errorCode ? h('span', { class: 'error-code' }, ` ${snapshot.checkFailed ? 'last check failed' : 'last error'}: ${snapshot.errorCode}`) : null,
        snapshot.lastRefreshedAt ? h('span', { class: 'muted' }, ` · session fetched ${clockTime(Date.parse(snapshot.lastRefreshedAt))}`) : null,
      ),
      result
        ? h('p', { 'class': `result ${result.ok ? 'ok' : 'failed'}`, 'data-result': result.action }, result.ok ? `${result.action}: ${result.detail}` : `${result.action} failed: ${result.code}: ${result.message}`)
        : null,
    ].filter((element): element is HTMLElement => element !== null)
  }

  function sessionSection(snapshot: DevtoolsSnapshot): HTMLElement[] {
    const data = snapshot.data === undefined ? 'undefined (not checked yet)' : JSON.stringify(snapshot.data, null, 2)
    return [h('h2', {}, 'Session data'), h('pre', { 'data-session': '' }, data)]
  }

  function tokenBlock(label: string, token: TokenInfo | null, current: number, clockOffsetMs: number, extra: Child[] = []): HTMLElement {
    if (!token) return h('div', { class: 'token' }, h('h3', {}, label), h('p', { class: 'muted' }, 'none stored'))
    const claims = token.claims ? Object.entries(token.claims) : []
    return h('div', { 'class': 'token', 'data-token': label },
      h('h3', {}, label),
      h('p', {},
        token.format === 'jwt' ? `JWT${token.header?.alg ? ` (${String(token.header.alg)})` : ''}, ${token.length} characters` : `opaque (not a JWT), ${token.length} characters: its lifetime is the configured max age`,
        token.expiresAt !== null ? h('span', {}, ' · expires ', h('strong', {}, countdown(token.expiresAt, current)), ` (${clockTime(token.expiresAt)})`) : null,
        ...extra,
      ),
      claims.length > 0
        ? h('table', { class: 'claims' }, h('tbody', {}, ...claims.map(([key, value]) => h('tr', {}, h('th', {}, key), h('td', {}, ...claimValue(key, value, current, clockOffsetMs))))))
        : null,
      state.showRaw && token.raw ? h('pre', { 'class': 'raw', 'data-raw': '' }, token.raw) : null,
    )
  }

  function tokensSection(snapshot: DevtoolsSnapshot, current: number): HTMLElement[] {
    const { tokens } = snapshot
    const heading = h('h2', {}, 'Tokens')
    if (!tokens.kept) {
      return [heading, h('p', { 'class': 'note', 'data-unreadable': '' }, 'This provider keeps no token of its own (Auth.js keeps its session in its own cookies, read by the server). What the server says is the session data above.')]
    }
    if (!tokens.readable) {
      const where = snapshot.sessions
        ? 'Session mode: the tokens stay on the server (Nitro storage); the browser holds one httpOnly session cookie.'
        : `The token cookies (${[tokens.cookieNames.token, tokens.cookieNames.refreshToken].filter(Boolean).join(', ')}) are httpOnly: page scripts cannot read them, and neither can this tab.`
      return [heading, h('p', { 'class': 'note', 'data-unreadable': '' }, `${where} What is known here: the status and the session data above, which the server answered for; the server refreshes when a token is due.`)]
    }
    const toggle = h('label', { class: 'toggle' },
      h('input', { 'type': 'checkbox', 'checked': state.showRaw, 'data-toggle': 'raw', 'onChange': (event: Event) => {
        state.showRaw = (event.target as HTMLInputElement).checked
        rawSession = shownSession
        update()
      } }),
      ' show raw tokens',
    )
    const next = snapshot.nextRefreshAt !== null
      ? [' · next automatic refresh ', countdown(snapshot.nextRefreshAt, current)]
      : []
    return [
      heading,
      h('p', { class: 'muted' }, `cookies ${[tokens.cookieNames.token, tokens.cookieNames.refreshToken].filter(Boolean).join(', ')}${snapshot.clockOffsetMs ? ` · issuer clock ${snapshot.clockOffsetMs > 0 ? '+' : ''}${Math.round(snapshot.clockOffsetMs / 1000)} s from this browser (times below are local)` : ''}`),
      toggle,
      tokenBlock('Access token', tokens.access, current, snapshot.clockOffsetMs, next),
      snapshot.canRefresh || tokens.refresh ? tokenBlock('Refresh token', tokens.refresh, current, snapshot.clockOffsetMs) : h('p', { class: 'muted' }, 'No refresh token (this provider does not refresh).'),
    ]
  }

  function refreshRow(entry: RefreshEntry): HTMLElement {
    return h('tr', { 'data-refresh': entry.outcome },
      h('td', {}, clockTime(entry.at)),
      h('td', {}, TRIGGERS[entry.trigger] ?? entry.trigger),
      h('td', {}, entry.fromOtherTab ? `${entry.tab} (another tab)` : entry.tab === 'server' ? sideBadge('server') : entry.tab),
      h('td', { class: `outcome ${entry.outcome}` }, entry.outcome),
      h('td', {}, entry.durationMs !== undefined ? `${entry.durationMs} ms` : ''),
      h('td', {}, entry.code ? h('code', {}, entry.code) : '', entry.message ? ` ${entry.message}` : ''),
    )
  }

  function guardRow(entry: GuardEntry): HTMLElement {
    return h('tr', { 'data-guard': entry.verdict },
      h('td', {}, clockTime(entry.at)),
      h('td', {}, sideBadge(entry.side)),
      h('td', {}, h('code', {}, entry.route)),
      h('td', { class: `verdict ${entry.verdict}` }, VERDICTS[entry.verdict] ?? entry.verdict, entry.target ? h('span', {}, ' → ', h('code', {}, entry.target)) : null),
      h('td', { class: 'why' }, entry.why),
    )
  }

  function eventRow(entry: EventEntry): HTMLElement {
    return h('tr', { 'data-event': entry.name, 'class': entry.name === 'error' ? 'error' : entry.name === 'response' ? 'muted' : '' },
      h('td', {}, clockTime(entry.at)),
      h('td', {}, sideBadge(entry.side)),
      h('td', { class: 'name' }, entry.name),
      h('td', {}, entry.code ? h('code', { class: 'code' }, entry.code) : null, entry.code ? ' ' : '', entry.detail),
      h('td', { class: 'fix' }, entry.fix ?? ''),
    )
  }

  function disconnected(message: string) {
    if (connected === false && shown.get('disconnected') === message) return
    connected = false
    sections.clear()
    shown.clear()
    shown.set('disconnected', message)
    root.replaceChildren(h('p', { 'class': 'note', 'data-disconnected': '' }, message))
  }

  function update() {
    const api = options.api()
    if (!api) {
      disconnected('Waiting for the app… Open this page from Nuxt DevTools (the Auth tab), in a development build with nuxt-gatekeeper.')
      return
    }
    let snapshot: DevtoolsSnapshot
    try {
      snapshot = api.snapshot(state.showRaw ? { raw: true, session: rawSession } : { raw: false })
    }
    catch (error) {
      disconnected(`The app did not answer: ${String(error)}`)
      return
    }
    if (connected !== true) {
      connected = true
      shown.clear()
      sections.clear()
      Object.values(columns).forEach(column => column.replaceChildren())
      root.replaceChildren(columns.top, h('div', { class: 'columns' }, columns.state, columns.logs))
    }
    // A session that ended, or another one (a sign-in, or another tab's, between two polls), takes the raw view with
    // it: the next one's tokens are shown only when asked for again (the app gives them for the session asked about).
    shownSession = snapshot.session
    if (state.showRaw && (shownSession !== rawSession || (!snapshot.tokens.access && !snapshot.tokens.refresh))) state.showRaw = false
    const current = now()
    section('top', 'header', [snapshot.provider, snapshot.tab, snapshot.status, snapshot.phase, snapshot.activity, snapshot.errorCode, snapshot.checkFailed, snapshot.lastRefreshedAt, snapshot.canRefresh, state.busy, state.result], () => header(snapshot))
    // Not checked yet (undefined) and nobody (null) read differently: both in the signature.
    section('state', 'session', [snapshot.data !== undefined, snapshot.data ?? null], () => sessionSection(snapshot))
    // Countdowns tick in place (see tick()); the rest changes with the tokens.
    section('state', 'tokens', [snapshot.tokens, snapshot.nextRefreshAt, snapshot.clockOffsetMs, state.showRaw, snapshot.canRefresh], () => tokensSection(snapshot, current))
    section('logs', 'refreshes', snapshot.entries.refreshes, () => [
      h('h2', {}, 'Refresh log'),
      table(['time', 'triggered by', 'tab', 'outcome', 'took', 'error'], snapshot.entries.refreshes.map(refreshRow), 'No refresh yet in this tab.'),
    ])
    section('logs', 'guard', snapshot.entries.guard, () => [
      h('h2', {}, 'Route guard: last decisions'),
      table(['time', 'where', 'route', 'verdict', 'why'], snapshot.entries.guard.map(guardRow), 'No navigation guarded yet.'),
    ])
    const events = snapshot.entries.events.filter(entry => state.showResponses || entry.name !== 'response' || (entry.status ?? 0) >= 400)
    section('logs', 'events', [events, state.showResponses], () => [
      h('div', { class: 'heading-row' },
        h('h2', {}, 'Auth events and errors'),
        h('span', {},
          h('label', { class: 'toggle' }, h('input', { 'type': 'checkbox', 'checked': state.showResponses, 'data-toggle': 'responses', 'onChange': (event: Event) => {
            state.showResponses = (event.target as HTMLInputElement).checked
            update()
          } }), ' backend answers '),
          h('button', { 'type': 'button', 'class': 'small', 'data-action': 'clear', 'onClick': () => {
            api.clearLog()
            update()
          } }, 'Clear log'),
        ),
      ),
      table(['time', 'where', 'event', 'detail', 'fix / meaning'], events.map(eventRow), 'No events yet.'),
    ])
    tick()
  }

  /** The countdowns, every second without rebuilding anything. */
  function tick() {
    const current = now()
    root.querySelectorAll<HTMLElement>('[data-countdown]').forEach((element) => {
      const at = Number(element.dataset.countdown)
      element.textContent = relative(at, current)
      if (element.dataset.deadline !== undefined) element.classList.toggle('expired', at < current)
    })
  }

  return { update, tick, state }
}

export const STYLES = `
:root { color-scheme: light dark; --fg: #1f2328; --muted: #6b7280; --border: #8882; --bg: #fff; --accent: #00dc82; --code: #8881; }
html.dark { --fg: #e5e7eb; --muted: #9ca3af; --bg: #151515; }
html.dark body { background: var(--bg); }
body { margin: 0; font: 13px/1.45 ui-sans-serif, system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
main { padding: 12px 16px 32px; }
.columns { display: grid; grid-template-columns: minmax(300px, 2fr) minmax(420px, 3fr); gap: 0 24px; }
@media (max-width: 900px) { .columns { grid-template-columns: 1fr; } }
.column { min-width: 0; }
section { margin-bottom: 14px; }
header { display: flex; justify-content: space-between; align-items: center; gap: 12px; flex-wrap: wrap; }
h2 { font-size: 13px; margin: 14px 0 6px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
h3 { font-size: 13px; margin: 8px 0 4px; }
.muted { color: var(--muted); }
.note { padding: 8px 10px; border-left: 3px solid var(--accent); background: var(--code); }
button { font: inherit; padding: 4px 10px; border: 1px solid var(--border); border-radius: 4px; background: transparent; color: inherit; cursor: pointer; }
button:hover:not([disabled]) { border-color: var(--accent); color: var(--accent); }
button[disabled] { opacity: .5; cursor: default; }
button.small { padding: 1px 8px; font-size: 12px; }
.actions { display: flex; gap: 6px; }
.status-line { margin-top: 6px; }
.status { font-weight: 600; padding: 1px 8px; border-radius: 10px; background: var(--code); }
.status.authenticated { color: #0b8a55; background: #00dc8222; }
.status.loading { color: #b7791f; background: #f6ad5522; }
.status.unauthenticated { color: var(--muted); }
.error-code, .outcome.failed, .outcome.refused, .outcome.interrupted, tr.error td.name, tr.error code.code, .verdict.forbidden, .expired { color: #dc2626; }
.outcome.refreshed, .outcome.adopted, .verdict.allow { color: #0b8a55; }
.verdict.login, .verdict.redirect, .verdict.wait { color: #b7791f; }
.result { margin: 6px 0 0; }
.result.ok { color: #0b8a55; }
.result.failed { color: #dc2626; }
pre { margin: 0; padding: 8px 10px; background: var(--code); border-radius: 4px; overflow: auto; max-height: 240px; font-size: 12px; }
pre.raw { word-break: break-all; white-space: pre-wrap; margin-top: 6px; }
code { font-size: 12px; background: var(--code); padding: 0 3px; border-radius: 3px; }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th, td { text-align: left; vertical-align: top; padding: 3px 8px 3px 0; border-bottom: 1px solid var(--border); }
thead th { color: var(--muted); font-weight: 500; }
table.claims { width: auto; }
table.claims th { font-family: ui-monospace, monospace; font-weight: 500; padding-right: 16px; }
td.why, td.fix { color: var(--muted); max-width: 520px; }
.badge { font-size: 11px; padding: 0 6px; border-radius: 8px; background: var(--code); }
.badge.server { color: #6d28d9; }
.toggle { display: inline-flex; gap: 4px; align-items: center; cursor: pointer; }
.heading-row { display: flex; align-items: baseline; justify-content: space-between; }
`
