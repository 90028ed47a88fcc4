import { pageAccess, type GuardInput } from '../../core/guard'
import type { DevSignal, RefreshTrigger } from './record'

/**
 * Development only: the log the Nuxt DevTools tab shows (src/devtools.ts). Plain entries (strings and numbers,
 * no token, no session data), so they can travel in the payload and sit in sessionStorage.
 */

interface EntryBase {
  /** Unique across page loads and the server: entries from the payload or storage are merged by it. */
  id: string
  /** Epoch ms. */
  at: number
  side: 'client' | 'server'
}

export type GuardVerdict = 'allow' | 'wait' | 'login' | 'redirect' | 'forbidden'

export interface GuardEntry extends EntryBase {
  kind: 'guard'
  route: string
  verdict: GuardVerdict
  /** Where the user was sent (a path), or '403' for Nuxt's error page. */
  target?: string
  why: string
}

/**
 * The refresher's outcome (refreshed, adopted: another tab's tokens were taken over, fresh: nothing to do,
 * skipped), or: failed (transient, session kept), refused (a verdict: signed out), interrupted (the page
 * unloaded before the answer).
 */
export type RefreshOutcomeLabel = 'pending' | 'refreshed' | 'adopted' | 'fresh' | 'skipped' | 'failed' | 'refused' | 'interrupted'

export interface RefreshEntry extends EntryBase {
  kind: 'refresh'
  trigger: RefreshTrigger
  /** The tab that made the attempt (see `tabId`). */
  tab: string
  /** Reported by another tab of this browser (its tab id is `tab`). */
  fromOtherTab?: boolean
  outcome: RefreshOutcomeLabel
  durationMs?: number
  code?: string
  message?: string
}

export type EventName = 'signedIn' | 'signedOut' | 'refreshed' | 'error' | 'status' | 'response'

export interface EventEntry extends EntryBase {
  kind: 'event'
  name: EventName
  detail: string
  code?: string
  status?: number
  operation?: string
  /** What to do about it (set-up failures), or what it means (outcomes of normal use). */
  fix?: string
}

export type DevEntry = GuardEntry | RefreshEntry | EventEntry

export interface DevLogEntries {
  guard: GuardEntry[]
  refreshes: RefreshEntry[]
  events: EventEntry[]
}

/** How many of each the log keeps (newest first). */
export const LOG_LIMITS = { guard: 30, refreshes: 30, events: 60 } as const

export const LOG_STORAGE_KEY = 'nuxt-gatekeeper:devtools:log'
export const TAB_ID_KEY = 'nuxt-gatekeeper:devtools:tab'

/** Codes that are outcomes of normal use (no fix in dev-log.ts): what they mean. */
const MEANINGS: Record<string, string> = {
  INVALID_CREDENTIALS: 'normal use: the backend refused the credentials (wrong email or password); nobody was signed out',
  UNAUTHORIZED: 'a verdict: the backend refused the token (401/403); with a refresh token one refresh is tried first, else the session ends',
  REFRESH_REFUSED: 'a verdict: the backend refused the refresh token (expired, revoked, or already spent), so the session ended',
  SUPERSEDED: 'normal use: a sign-in in this browser replaced the httpOnly tokens while this request refreshed them; it set nothing, and the next check asks with the new ones',
}

export interface DevLogChannel {
  post(message: unknown): void
  listen(onMessage: (message: unknown) => void): () => void
}

export interface DevLogOptions {
  side: 'client' | 'server'
  /** This tab's id (the client); the server has none. */
  tabId?: string
  now?: () => number
  /** The fix for an AuthError code and status (app/dev-log.ts), when they have one. */
  fixFor?: (code: string, status?: number) => string | undefined
  /** Where the client keeps its log across reloads (sessionStorage). */
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null
  /** The other tabs of this browser: finished refreshes are told to them. */
  channel?: DevLogChannel | null
}

/** A short random id (crypto where there is one). */
export function randomId(length = 6): string {
  const bytes = new Uint8Array(length)
  if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(bytes)
  else for (let index = 0; index < length; index++) bytes[index] = Math.floor(Math.random() * 256)
  return Array.from(bytes, byte => (byte % 36).toString(36)).join('')
}

/** The page meta as written, short: functions and abilities as `ƒ`. */
export function describeMeta(meta: unknown): string {
  if (typeof meta === 'string') return `'${meta}'`
  if (typeof meta !== 'object' || meta === null) return String(meta)
  const fields = Object.entries(meta as Record<string, unknown>).map(([key, value]) => {
    if (typeof value === 'function' || (typeof value === 'object' && value !== null && !Array.isArray(value))) return `${key}: ƒ`
    return `${key}: ${JSON.stringify(value)}`
  })
  return `{ ${fields.join(', ')} }`
}

/** Why the guard decided as it did, in words: what kind of page, and what about the user. */
export function explainGuard(input: GuardInput, action: string, global: boolean): string {
  const access = pageAccess(input.meta, input.protectByDefault)
  const reasons: string[] = []
  if (input.meta === undefined) {
    if (access === 'public') reasons.push('no auth page meta and globalAppMiddleware is off: public page')
    else if (global) reasons.push('no auth page meta: protected by globalAppMiddleware')
    else reasons.push('protected: the page lists the auth middleware')
  }
  else {
    const kind = access === 'public' ? 'public page' : access === 'guest' ? 'guest-only page' : 'protected page'
    reasons.push(`page meta auth: ${describeMeta(input.meta)} (${kind})`)
  }
  if (access === 'public') return reasons.join('; ')
  if (input.isNotFound && input.allow404WithoutAuth) {
    reasons.push('no page matched and allow404WithoutAuth is on')
    return reasons.join('; ')
  }
  if (access === 'protected' && input.isLoginPage) {
    reasons.push('the login page is exempt')
    return reasons.join('; ')
  }
  if (action === 'wait') reasons.push('status loading with a token stored: waits for the one session check')
  else if (input.status === 'authenticated') reasons.push('signed in')
  else if (input.checkFailed) reasons.push('the session check failed without a verdict (backend down or a bad answer): fails closed, tokens kept')
  else if (input.status === 'unauthenticated') reasons.push('signed out')
  else reasons.push(input.hasToken ? 'status loading' : 'status loading and no token stored: nobody can be signed in')
  return reasons.join('; ')
}

function verdictOf(action: string, target: string | null): GuardVerdict {
  if (action === 'wait') return 'wait'
  if (!target) return 'allow'
  return action === 'login' ? 'login' : 'redirect'
}

function emptyEntries(): DevLogEntries {
  return { guard: [], refreshes: [], events: [] }
}

function isEntry(value: unknown): value is DevEntry {
  const entry = value as Partial<DevEntry> | null
  return typeof entry === 'object' && entry !== null && typeof entry.id === 'string' && typeof entry.at === 'number'
    && (entry.kind === 'guard' || entry.kind === 'refresh' || entry.kind === 'event')
}

/**
 * The tab's log: guard decisions, refresh attempts (with who triggered them and which tab), and auth events
 * and errors with their fix. Fed by the runtime's dev signals (./record.ts) and the app's `auth:*` hooks.
 */
export function createDevtoolsLog(options: DevLogOptions) {
  const now = options.now ?? Date.now
  const boot = randomId(4)
  let sequence = 0
  let version = 0
  let entries = emptyEntries()
  // A trigger said right before a refresh starts (same task); cleared after it.
  let pendingTrigger: { trigger: RefreshTrigger } | null = null
  const refreshBySignal = new Map<number, RefreshEntry>()
  let saving = false

  const nextId = () => `${options.side === 'server' ? 's' : 'c'}-${boot}-${++sequence}`

  function listOf(kind: DevEntry['kind']): DevEntry[] {
    return kind === 'guard' ? entries.guard : kind === 'refresh' ? entries.refreshes : entries.events
  }

  function changed() {
    version++
    if (!options.storage || saving) return
    saving = true
    // Once per task, however many entries it added.
    queueMicrotask(() => {
      saving = false
      try {
        options.storage?.setItem(LOG_STORAGE_KEY, JSON.stringify(entries))
      }
      catch { /* storage full or unavailable: memory only */ }
    })
  }

  function insert(entry: DevEntry) {
    const list = listOf(entry.kind)
    if (list.some(existing => existing.id === entry.id)) return false
    list.unshift(entry)
    // Newest first (entries merged from the payload or storage may be older than the ones held).
    list.sort((a, b) => b.at - a.at)
    const limit = entry.kind === 'guard' ? LOG_LIMITS.guard : entry.kind === 'refresh' ? LOG_LIMITS.refreshes : LOG_LIMITS.events
    list.splice(limit)
    return true
  }

  function add<T extends DevEntry>(entry: Omit<T, 'id' | 'at' | 'side'> & Partial<Pick<T, 'id' | 'at' | 'side'>>): T {
    const full = { id: nextId(), at: now(), side: options.side, ...entry } as T
    insert(full)
    changed()
    return full
  }

  /** A signal from the runtime (./record.ts). */
  function record(signal: DevSignal) {
    switch (signal.type) {
      case 'guard': {
        add<GuardEntry>({
          kind: 'guard',
          route: signal.route,
          verdict: verdictOf(signal.action, signal.target),
          ...(signal.target ? { target: signal.target } : {}),
          why: explainGuard(signal.input, signal.action, signal.global) + (signal.origin === 'verdict' ? '; applied again after a verdict outside a navigation' : ''),
        })
        return
      }
      case 'access': {
        const needs = [signal.roles !== undefined ? `roles ${JSON.stringify(signal.roles)}` : '', signal.can ? 'an ability (can)' : ''].filter(Boolean).join(' and ')
        add<GuardEntry>({
          kind: 'guard',
          route: signal.route,
          verdict: 'forbidden',
          target: String(signal.target),
          why: `the page needs ${needs || 'a right'}; signed in without it: ${signal.target === 403 ? 'a 403 error page' : 'the forbidden page (auth.authorization.forbiddenPage)'}, never the login page`,
        })
        return
      }
      case 'refresh-trigger': {
        const pending = { trigger: signal.trigger }
        pendingTrigger = pending
        queueMicrotask(() => {
          if (pendingTrigger === pending) pendingTrigger = null
        })
        return
      }
      case 'refresh-start': {
        const trigger: RefreshTrigger = pendingTrigger?.trigger
          ?? (signal.unauthorized ? '401' : options.side === 'server' ? 'ssr' : signal.automatic ? 'expired' : 'manual')
        pendingTrigger = null
        refreshBySignal.set(signal.id, add<RefreshEntry>({ kind: 'refresh', trigger, tab: options.tabId ?? 'server', outcome: 'pending' }))
        return
      }
      case 'refresh-end': {
        const entry = refreshBySignal.get(signal.id)
        if (!entry) return
        refreshBySignal.delete(signal.id)
        entry.durationMs = Math.max(0, now() - entry.at)
        if (signal.error) {
          entry.outcome = signal.error.code === 'REFRESH_REFUSED' || signal.error.code === 'UNAUTHORIZED' ? 'refused' : 'failed'
          entry.code = signal.error.code
          entry.message = signal.error.message
        }
        else {
          entry.outcome = (signal.outcome ?? 'skipped') as RefreshOutcomeLabel
        }
        changed()
        options.channel?.post({ type: 'refresh', entry: { ...entry } })
      }
    }
  }

  /** An `auth:*` hook, or a change of status. */
  function event(name: EventName, detail: string, extra: Partial<Pick<EventEntry, 'code' | 'status' | 'operation'>> = {}) {
    const fix = extra.code ? options.fixFor?.(extra.code, extra.status) ?? (Object.hasOwn(MEANINGS, extra.code) ? MEANINGS[extra.code] : undefined) : undefined
    return add<EventEntry>({ kind: 'event', name, detail, ...extra, ...(fix ? { fix } : {}) })
  }

  /** Entries from elsewhere (the server's, in the payload; the stored log of this tab): new ones join. */
  function merge(incoming: unknown) {
    const lists = incoming as Partial<DevLogEntries> | null | undefined
    let added = false
    for (const list of [lists?.guard, lists?.refreshes, lists?.events]) {
      if (!Array.isArray(list)) continue
      // Oldest first: each goes in front and the sort keeps ties in place, so entries of one millisecond stay in order.
      for (const entry of [...list].reverse()) {
        if (isEntry(entry) && insert({ ...entry })) added = true
      }
    }
    if (added) changed()
  }

  function restore() {
    try {
      const stored = options.storage?.getItem(LOG_STORAGE_KEY)
      if (!stored) return
      merge(JSON.parse(stored))
      // Attempts the last page of this tab left unanswered.
      for (const entry of entries.refreshes) {
        if (entry.outcome === 'pending' && entry.side === 'client') entry.outcome = 'interrupted'
      }
    }
    catch { /* a broken stored log starts empty */ }
  }

  function clear() {
    entries = emptyEntries()
    changed()
  }

  restore()
  // Another tab's finished refresh: shown here too, marked as that tab's.
  const stopListening = options.channel?.listen((message) => {
    const { type, entry } = (message ?? {}) as { type?: unknown, entry?: unknown }
    if (type !== 'refresh' || !isEntry(entry) || entry.kind !== 'refresh') return
    if (insert({ ...entry, fromOtherTab: true })) changed()
  })

  return {
    tabId: options.tabId,
    record,
    event,
    merge,
    clear,
    /** Increases with every change: the tab re-renders when it moves. */
    get version() {
      return version
    },
    /** Copies, newest first. */
    entries(): DevLogEntries {
      return { guard: entries.guard.map(entry => ({ ...entry })), refreshes: entries.refreshes.map(entry => ({ ...entry })), events: entries.events.map(entry => ({ ...entry })) }
    },
    dispose() {
      stopListening?.()
    },
  }
}

export type DevtoolsLog = ReturnType<typeof createDevtoolsLog>
