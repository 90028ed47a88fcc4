import type { NuxtApp } from '#app'
import { appendResponseHeader } from 'h3'
import { watch } from 'vue'
import { tryUseNuxtApp } from '#imports'
import { isAuthError } from '../../core/errors'
import type { SignOutReason } from '../../types'
import { authErrorFix } from '../dev-log'
import type { AuthManager } from '../manager'
import { createDevtoolsLog, LOG_STORAGE_KEY, randomId, TAB_ID_KEY, type DevLogChannel, type DevLogEntries, type DevtoolsLog } from './log'
import { devRefreshTrigger, setDevSink, type DevSignal } from './record'
import { describeToken, type TokenInfo } from './token'
import { heldTokenValues } from '../../shared/token-store'

/**
 * Development only: the app's half of the Nuxt DevTools tab (src/devtools.ts registers it, and the tab's page,
 * only when `nuxt.options.dev`). It keeps the log (./log.ts), and gives the tab `$gatekeeperDevtools`: a
 * snapshot of the state and the buttons' actions. The tab reads it through the DevTools client
 * (`window.__NUXT_DEVTOOLS__.host.nuxt`).
 */

/** Build-time facts the runtime config does not carry. */
export interface DevtoolsInfo {
  provider: string
  /** `auth.sessions`: tokens on the server, one session cookie in the browser. */
  sessions: boolean
}

export type { TokenInfo }

export interface DevtoolsSnapshot {
  tab: string
  provider: string
  sessions: boolean
  httpOnly: boolean
  status: string
  phase: string
  activity: string | null
  errorCode: string | null
  /** The error is a check's that reached no verdict (else a sign-in's or sign-up's). */
  checkFailed: boolean
  /**
   * A JSON copy of the session data (`undefined`: never checked, `null`: nobody). Without `raw`, a token in it (one
   * of the tab's own, or any string under a key that names a token or secret) reads HIDDEN_TOKEN.
   */
  data: unknown
  /**
   * Which session this is: it changes with every sign-in and sign-out (the store's epoch) and with the session data
   * (another user adopted from another tab). The raw view belongs to one session. Holds no token.
   */
  session: string
  lastRefreshedAt: string | null
  tokens: {
    /** False for a provider that keeps no token of its own (Auth.js). */
    kept: boolean
    /** False where page scripts cannot read the cookies (httpOnly, session mode). */
    readable: boolean
    cookieNames: { token: string | null, refreshToken: string | null }
    access: TokenInfo | null
    refresh: TokenInfo | null
  }
  /** Issuer minus local clock, ms. */
  clockOffsetMs: number
  /** Whether this app can refresh (refresh provider, readable tokens). */
  canRefresh: boolean
  /** When the next automatic refresh is due (local epoch ms). */
  nextRefreshAt: number | null
  entries: DevLogEntries
  version: number
}

export type ActionResult = { ok: true, detail: string } | { ok: false, code: string, message: string }

export interface DevtoolsApi {
  /** Moves with every change of the log (the tab polls it). */
  version(): number
  /** `raw`: the tokens and the session data as they are, for the session `session` names (when given) only. */
  snapshot(options?: { raw?: boolean, session?: string }): DevtoolsSnapshot
  refresh(): Promise<ActionResult>
  recheck(): Promise<ActionResult>
  signOut(): Promise<ActionResult>
  clearLog(): void
}

/** Where the server's entries travel to the browser (Nuxt serialises `payload`). */
export const DEVTOOLS_PAYLOAD_KEY = 'gatekeeperDevtools'
/** A redirect the server answered has no payload: its entries ride on this short-lived cookie instead. */
export const DEVTOOLS_REDIRECT_COOKIE = 'gatekeeper-devtools-redirect'

const SIGN_OUT_REASONS: Record<SignOutReason, string> = {
  'user': 'signed out by the user (signOut)',
  'session-refused': 'the backend refused the session (401/403 from the session endpoint, or a 401 after a refresh)',
  'refresh-refused': 'the backend refused the refresh token',
  'other-tab': 'another tab signed out',
}

/** What a token in the session data reads as until the raw view is asked for (where there is one: readable tokens). */
export const HIDDEN_TOKEN = '(hidden token)'
const TOKEN_KEY = /token|secret|password/i

/**
 * `data` (a JSON copy) with the strings of `held`, and every string under a key like `accessToken` (at any depth
 * below it: `{ tokens: { access } }`), hidden: a backend that echoes the token in its session answer
 * (`{ user, accessToken }`), or an Auth.js `session` callback that copies it there, would show it in the tab unasked.
 */
function hideTokens(data: unknown, held: ReadonlySet<string>, underTokenKey = false): unknown {
  if (typeof data === 'string') return underTokenKey || held.has(data) ? HIDDEN_TOKEN : data
  if (Array.isArray(data)) return data.map(item => hideTokens(item, held, underTokenKey))
  if (data === null || typeof data !== 'object') return data
  return Object.fromEntries(Object.entries(data).map(([name, value]) => [name, hideTokens(value, held, underTokenKey || TOKEN_KEY.test(name))]))
}

/** FNV-1a over UTF-16 units: tells two texts apart without carrying them (the data may hold a token). */
function fingerprint(text: string): string {
  let hash = 0x811C9DC5
  for (let index = 0; index < text.length; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193)
  return (hash >>> 0).toString(36)
}

/** JSON round trip: the tab gets plain data (dates as strings), never the app's reactive objects. */
function plain(value: unknown): unknown {
  if (value === undefined) return undefined
  try {
    return JSON.parse(JSON.stringify(value)) as unknown
  }
  catch {
    return String(value)
  }
}

function sessionStore(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage
  }
  catch {
    return null
  }
}

/** Set while this tab's page is open: a duplicated tab finds it in the copy of sessionStorage the browser gave it. */
const TAB_OPEN_KEY = `${TAB_ID_KEY}:open`

/**
 * This tab's id: kept in sessionStorage, so a reload keeps it and every other tab has its own. A duplicated tab (or a
 * window.open without noopener) starts with a copy of this tab's sessionStorage while this one is still open: it
 * takes an id of its own, and leaves the copied log behind. Leaving the page (pagehide, or the app unmounting)
 * clears the mark, so a reload finds its own id free.
 */
function tabIdOf(storage: Storage | null, onLeave: (leave: () => void) => void): string {
  try {
    const held = storage?.getItem(TAB_ID_KEY)
    const duplicate = held && storage?.getItem(TAB_OPEN_KEY) === '1'
    const id = held && !duplicate ? held : `tab-${randomId(4)}`
    if (duplicate) storage?.removeItem(LOG_STORAGE_KEY)
    storage?.setItem(TAB_ID_KEY, id)
    storage?.setItem(TAB_OPEN_KEY, '1')
    const mark = (open: boolean) => () => {
      try {
        storage?.setItem(TAB_OPEN_KEY, open ? '1' : '0')
      }
      catch { /* storage gone: the next page takes a new id */ }
    }
    const closed = mark(false)
    // Back from the back/forward cache, the page is open again.
    const reopened = mark(true)
    if (typeof addEventListener === 'function') {
      addEventListener('pagehide', closed)
      addEventListener('pageshow', reopened)
    }
    onLeave(() => {
      closed()
      if (typeof removeEventListener === 'function') {
        removeEventListener('pagehide', closed)
        removeEventListener('pageshow', reopened)
      }
    })
    return id
  }
  catch {
    return `tab-${randomId(4)}`
  }
}

function tabsChannel(): DevLogChannel | null {
  if (typeof BroadcastChannel === 'undefined') return null
  const channel = new BroadcastChannel('nuxt-gatekeeper:devtools')
  return {
    post: message => channel.postMessage(message),
    listen(onMessage) {
      const listener = (event: MessageEvent) => onMessage(event.data)
      channel.addEventListener('message', listener)
      return () => {
        channel.removeEventListener('message', listener)
        channel.close()
      }
    },
  }
}

/** The `auth:*` hooks of this app, into the log. */
function hookEvents(nuxtApp: NuxtApp, log: DevtoolsLog) {
  nuxtApp.hook('auth:signedIn', () => {
    log.event('signedIn', 'signed in')
  })
  nuxtApp.hook('auth:signedOut', ({ reason }) => {
    log.event('signedOut', SIGN_OUT_REASONS[reason] ?? reason)
  })
  nuxtApp.hook('auth:refreshed', () => {
    log.event('refreshed', import.meta.server ? 'new tokens from a refresh during this page\'s server render' : 'new tokens stored by a refresh in this tab')
  })
  nuxtApp.hook('auth:error', ({ error, operation }) => {
    log.event('error', `${operation}: ${error.message}`, { code: error.code, status: error.status, operation })
  })
  nuxtApp.hook('auth:response', ({ endpoint, url, status }) => {
    log.event('response', `${endpoint}: ${url} answered ${status}`, { status })
  })
}

type WithLog = NuxtApp & { _gatekeeperDevtoolsLog?: DevtoolsLog }

/**
 * The server's sink: each signal goes to the log of the request it was made in (the one whose NuxtApp is
 * current while the runtime decides, synchronously); a refresh's outcome, which comes later, to the log its
 * start went to. Signals outside any request are dropped.
 */
const refreshLogs = new Map<number, DevtoolsLog>()
function serverSink(signal: DevSignal) {
  if (signal.type === 'refresh-end') {
    const log = refreshLogs.get(signal.id)
    refreshLogs.delete(signal.id)
    log?.record(signal)
    return
  }
  const log = (tryUseNuxtApp() as WithLog | null)?._gatekeeperDevtoolsLog
  if (!log) return
  if (signal.type === 'refresh-start') refreshLogs.set(signal.id, log)
  log.record(signal)
}

/** Entries as a cookie value, newest kept when they do not all fit. */
function redirectCookie(entries: DevLogEntries): string {
  const all = [...entries.guard, ...entries.refreshes, ...entries.events].sort((a, b) => b.at - a.at)
  for (let count = all.length; count > 0; count--) {
    const kept = all.slice(0, count)
    const value = encodeURIComponent(JSON.stringify({
      guard: kept.filter(entry => entry.kind === 'guard'),
      refreshes: kept.filter(entry => entry.kind === 'refresh'),
      events: kept.filter(entry => entry.kind === 'event'),
    }))
    if (value.length < 3500) return `${DEVTOOLS_REDIRECT_COOKIE}=${value}; Path=/; Max-Age=60; SameSite=Lax`
  }
  return `${DEVTOOLS_REDIRECT_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax`
}

/**
 * The server's entries up to the guard decision that redirected. Nuxt's router goes on to run the guard for the
 * redirect's target within the same request; that page is not rendered here, and its own request logs its decision.
 */
export function untilRedirect(entries: DevLogEntries): DevLogEntries {
  const order = (entry: { id: string }) => Number(entry.id.slice(entry.id.lastIndexOf('-') + 1))
  // A forbidden page is a redirect too; a 403 error page is rendered by this request.
  const redirects = entries.guard.filter(entry => entry.target !== undefined && !(entry.verdict === 'forbidden' && entry.target === '403')).map(order)
  if (redirects.length === 0) return entries
  const first = Math.min(...redirects)
  return { ...entries, guard: entries.guard.filter(entry => order(entry) <= first) }
}

/** The entries a redirect left (see redirectCookie), once. */
function takeRedirectCookie(): unknown {
  const pair = document.cookie.split('; ').find(cookie => cookie.startsWith(`${DEVTOOLS_REDIRECT_COOKIE}=`))
  if (!pair) return null
  document.cookie = `${DEVTOOLS_REDIRECT_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax`
  try {
    return JSON.parse(decodeURIComponent(pair.slice(DEVTOOLS_REDIRECT_COOKIE.length + 1))) as unknown
  }
  catch {
    return null
  }
}

function failure(error: unknown): ActionResult {
  if (isAuthError(error)) return { ok: false, code: error.code, message: error.message }
  return { ok: false, code: 'ERROR', message: error instanceof Error ? error.message : String(error) }
}

export function setupDevtools(nuxtApp: NuxtApp, info: DevtoolsInfo) {
  if (import.meta.server) {
    // This request's log: what the server decided for this visitor reaches their tab with the page.
    const log = createDevtoolsLog({ side: 'server', fixFor: authErrorFix })
    ;(nuxtApp as WithLog)._gatekeeperDevtoolsLog = log
    setDevSink(serverSink)
    hookEvents(nuxtApp, log)
    nuxtApp.hooks.hook('app:rendered', () => {
      (nuxtApp.payload as Record<string, unknown>)[DEVTOOLS_PAYLOAD_KEY] = log.entries()
    })
    // A redirect (the guard sending the visitor to the login page) renders nothing: its entries go by cookie.
    nuxtApp.hooks.hook('app:redirected', () => {
      const event = nuxtApp.ssrContext?.event
      if (event) appendResponseHeader(event, 'set-cookie', redirectCookie(untilRedirect(log.entries())))
    })
    return {}
  }

  const storage = sessionStore()
  const log = createDevtoolsLog({ side: 'client', tabId: tabIdOf(storage, leave => nuxtApp.vueApp.onUnmount(leave)), storage, channel: tabsChannel(), fixFor: authErrorFix })
  setDevSink(log.record)
  hookEvents(nuxtApp, log)
  const manager = () => nuxtApp.$gatekeeper as AuthManager
  nuxtApp.hook('app:created', () => {
    log.merge(takeRedirectCookie())
    log.merge((nuxtApp.payload as Record<string, unknown>)[DEVTOOLS_PAYLOAD_KEY])
    watch(() => manager().store.status, (status, before) => {
      log.event('status', `${before} → ${status}`)
    })
  })
  nuxtApp.vueApp.onUnmount(() => {
    setDevSink(undefined)
    log.dispose()
  })

  async function act(run: () => Promise<unknown>, done: (value: unknown) => string): Promise<ActionResult> {
    try {
      return { ok: true, detail: done(await nuxtApp.runWithContext(run)) }
    }
    catch (error) {
      return failure(error)
    }
  }

  const api: DevtoolsApi = {
    version: () => log.version,
    snapshot({ raw: rawAsked = false, session: rawFor } = {}) {
      const { store, tokens, clock, config } = manager()
      const data = plain(store.data)
      const session = `${store.machine.epoch}:${fingerprint(JSON.stringify(data ?? null))}`
      const raw = rawAsked && (rawFor === undefined || rawFor === session)
      const refresher = manager().refresher()
      const offset = clock.offset()
      return {
        tab: log.tabId ?? '',
        provider: info.provider,
        sessions: info.sessions,
        httpOnly: Boolean(config.token?.cookie.httpOnly),
        status: store.status,
        phase: store.machine.phase,
        activity: store.machine.activity,
        errorCode: store.machine.error,
        checkFailed: store.machine.checkFailed,
        data: raw ? data : hideTokens(data, heldTokenValues(tokens)),
        session,
        lastRefreshedAt: store.lastRefreshedAt ? new Date(store.lastRefreshedAt).toISOString() : null,
        tokens: {
          kept: tokens.kept,
          readable: tokens.readable,
          cookieNames: { token: config.token?.cookie.name ?? null, refreshToken: config.refreshToken?.cookie.name ?? null },
          access: tokens.kept && tokens.readable ? describeToken(tokens.token(), offset, raw) : null,
          refresh: tokens.kept && tokens.readable ? describeToken(tokens.refreshToken(), offset, raw) : null,
        },
        clockOffsetMs: offset,
        // A refresh token this tab spends, or one the server holds for it (httpOnly cookies, session mode).
        canRefresh: manager().refreshes(),
        nextRefreshAt: refresher?.dueAt() ?? null,
        entries: log.entries(),
        version: log.version,
      }
    },
    refresh() {
      // Said as useAuth().refresh() decides it (app/manager.ts).
      const how = { tab: 'refreshed', server: 'the server refreshed', none: 'no refresh token, so the session was checked' }[manager().refreshRoute() ?? 'none']
      return act(() => {
        devRefreshTrigger('devtools')
        return manager().refresh()
      }, session => `${how}: ${session ? 'signed in' : 'nobody is signed in'}`)
    },
    recheck: () => act(() => manager().getSession({ force: true }), session => (session ? 'the backend answered with a session' : 'the backend says nobody is signed in')),
    signOut: () => act(() => manager().signOut(), () => 'signed out'),
    clearLog: () => log.clear(),
  }
  return { provide: { gatekeeperDevtools: api } }
}
