import type { NuxtApp } from '#app'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { watch } from 'vue'
import { isAuthError } from '../../core/errors'
import type { SignOutReason } from '../../types'
import { authErrorFix } from '../dev-log'
import type { AuthManager } from '../manager'
import { createDevtoolsLog, randomId, TAB_ID_KEY, type DevLogChannel, type DevLogEntries, type DevtoolsLog } from './log'
import { devRefreshTrigger, setDevSink } from './record'

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

export interface TokenInfo {
  format: 'jwt' | 'opaque'
  length: number
  header?: Record<string, unknown>
  claims?: Record<string, unknown>
  /** `exp` as a local time (epoch ms; corrected by the issuer clock's offset), when the token states one. */
  expiresAt: number | null
  issuedAt: number | null
  /** Only when asked for (`snapshot({ raw: true })`). */
  raw?: string
}

export interface DevtoolsSnapshot {
  tab: string
  provider: string
  sessions: boolean
  httpOnly: boolean
  status: string
  phase: string
  activity: string | null
  errorCode: string | null
  /** A JSON copy of the session data (`undefined`: never checked, `null`: nobody). */
  data: unknown
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
  snapshot(options?: { raw?: boolean }): DevtoolsSnapshot
  refresh(): Promise<ActionResult>
  recheck(): Promise<ActionResult>
  signOut(): Promise<ActionResult>
  clearLog(): void
}

/** Where the server's entries travel to the browser (Nuxt serialises `payload`). */
export const DEVTOOLS_PAYLOAD_KEY = 'gatekeeperDevtools'

const SIGN_OUT_REASONS: Record<SignOutReason, string> = {
  'user': 'signed out by the user (signOut)',
  'session-refused': 'the backend refused the session (401/403 from the session endpoint, or a 401 after a refresh)',
  'refresh-refused': 'the backend refused the refresh token',
  'other-tab': 'another tab signed out',
}

export function describeToken(token: string | null, clockOffsetMs: number, raw: boolean): TokenInfo | null {
  if (!token) return null
  const base = { length: token.length, ...(raw ? { raw: token } : {}) }
  if (token.split('.').length === 3) {
    try {
      const claims = decodeJwt(token) as Record<string, unknown>
      const header = decodeProtectedHeader(token) as Record<string, unknown>
      const local = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value * 1000 - clockOffsetMs : null)
      return { format: 'jwt', header, claims, expiresAt: local(claims.exp), issuedAt: local(claims.iat), ...base }
    }
    catch { /* not a JWT after all */ }
  }
  return { format: 'opaque', expiresAt: null, issuedAt: null, ...base }
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

/** This tab's id: kept in sessionStorage, so a reload keeps it and every other tab has its own. */
function tabIdOf(storage: Storage | null): string {
  try {
    const held = storage?.getItem(TAB_ID_KEY)
    if (held) return held
    const id = `tab-${randomId(4)}`
    storage?.setItem(TAB_ID_KEY, id)
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
    log.event('refreshed', 'new tokens stored by a refresh in this tab')
  })
  nuxtApp.hook('auth:error', ({ error, operation }) => {
    log.event('error', `${operation}: ${error.message}`, { code: error.code, status: error.status, operation })
  })
  nuxtApp.hook('auth:response', ({ endpoint, url, status }) => {
    log.event('response', `${endpoint}: ${url} answered ${status}`, { status })
  })
}

/** The server's log: one per process, shared by its requests (development: one developer's requests). */
function serverLog(): DevtoolsLog {
  const holder = globalThis as { __nuxtGatekeeperDevtoolsLog__?: DevtoolsLog }
  holder.__nuxtGatekeeperDevtoolsLog__ ??= createDevtoolsLog({ side: 'server', fixFor: authErrorFix })
  return holder.__nuxtGatekeeperDevtoolsLog__
}

function failure(error: unknown): ActionResult {
  if (isAuthError(error)) return { ok: false, code: error.code, message: error.message }
  return { ok: false, code: 'ERROR', message: error instanceof Error ? error.message : String(error) }
}

export function setupDevtools(nuxtApp: NuxtApp, info: DevtoolsInfo) {
  if (import.meta.server) {
    const log = serverLog()
    setDevSink(log.record)
    hookEvents(nuxtApp, log)
    // The server's recent decisions reach the tab with the page (a redirect it answered is one of them).
    nuxtApp.hooks.hook('app:rendered', () => {
      (nuxtApp.payload as Record<string, unknown>)[DEVTOOLS_PAYLOAD_KEY] = log.entries()
    })
    return {}
  }

  const storage = sessionStore()
  const log = createDevtoolsLog({ side: 'client', tabId: tabIdOf(storage), storage, channel: tabsChannel(), fixFor: authErrorFix })
  setDevSink(log.record)
  hookEvents(nuxtApp, log)
  const manager = () => nuxtApp.$gatekeeper as AuthManager
  nuxtApp.hook('app:created', () => {
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
    snapshot({ raw = false } = {}) {
      const { store, tokens, clock, config, refresher } = manager()
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
        data: plain(store.data),
        lastRefreshedAt: store.lastRefreshedAt ? new Date(store.lastRefreshedAt).toISOString() : null,
        tokens: {
          kept: tokens.kept,
          readable: tokens.readable,
          cookieNames: { token: config.token?.cookie.name ?? null, refreshToken: config.refreshToken?.cookie.name ?? null },
          access: tokens.kept && tokens.readable ? describeToken(tokens.token(), offset, raw) : null,
          refresh: tokens.kept && tokens.readable ? describeToken(tokens.refreshToken(), offset, raw) : null,
        },
        clockOffsetMs: offset,
        canRefresh: refresher !== null,
        nextRefreshAt: refresher?.dueAt() ?? null,
        entries: log.entries(),
        version: log.version,
      }
    },
    refresh: () => act(() => {
      devRefreshTrigger('devtools')
      return manager().refresh()
    }, session => (session ? 'refreshed: session data updated' : 'done: nobody is signed in')),
    recheck: () => act(() => manager().getSession({ force: true }), session => (session ? 'the backend answered with a session' : 'the backend says nobody is signed in')),
    signOut: () => act(() => manager().signOut(), () => 'signed out'),
    clearLog: () => log.clear(),
  }
  return { provide: { gatekeeperDevtools: api } }
}
