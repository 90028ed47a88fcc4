import { reactive, shallowReactive, toRaw } from 'vue'
import type { NuxtApp } from 'nuxt/app'
import { initialMachineState, loadingOf, statusOf, transition, type AuthEvent, type AuthMachineState, type AuthStatus } from '../core'
import { isPlainJson } from '../core/plain-json'
import type { Session } from '../types'
import type { TokensSeen } from './tokens'

/**
 * The serialisable auth state. It goes into the SSR payload, so it never holds a token: tokens live in
 * cookies only (see useAuthState().rawToken).
 */
export interface AuthStateFields {
  machine: AuthMachineState
  /** `undefined`: never checked; `null`: checked, nobody; else the session. */
  data: Session | null | undefined
  lastRefreshedAt: Date | undefined
  /** The server reached a verdict during SSR, so the client must not check again on hydration. */
  checkedOnServer: boolean
  /** Which tokens the server's render could see; hydration shows the same (see AppTokens.matchServerRender). */
  tokensSeen: TokensSeen | undefined
  /** The server's clock (epoch ms) when it rendered the page: token expiry is judged by it, not the browser's. */
  serverTime: number | undefined
}

/** The state as the app layer uses it: the fields, the derived status, and the one way to move the machine. */
export interface AuthState extends AuthStateFields {
  readonly status: AuthStatus
  readonly loading: boolean
  dispatch(event: AuthEvent): void
}

/** Where the state travels in Nuxt's payload when it is not plain JSON (Nuxt serialises `payload`), and Pinia's store id. */
export const PAYLOAD_KEY = 'gatekeeper'

/** The id of the script element that carries the state as JSON: one per Nuxt app on the page. */
function stateElementId(nuxtApp: Pick<NuxtApp, '_id'>): string {
  return `${nuxtApp._id}-gatekeeper-state`
}

export function initialAuthState(): AuthStateFields {
  return { machine: { ...initialMachineState }, data: undefined, lastRefreshedAt: undefined, checkedOnServer: false, tokensSeen: undefined, serverTime: undefined }
}

/**
 * This NuxtApp's state: in the browser the one the server's render sent (hydration; see writeAuthState), else a
 * new one, kept in the payload. A plain reactive object, not a Pinia store: creating a store per SSR request cost more than the rest
 * of the module's render together (see docs/benchmarks.md). In apps with @pinia/nuxt, `useAuthState().store` is a
 * Pinia store over this same object.
 */
export function useAuthStateFields(nuxtApp: NuxtApp): AuthStateFields {
  // The render reads the state through a shallow proxy (every change replaces a field whole; a deep proxy made
  // each read of `machine` or `data` a proxy of its own). It reaches the page when the render ends
  // (writeAuthState, called by the plugin).
  if (import.meta.server) return shallowReactive(initialAuthState())
  const payload = nuxtApp.payload as { [PAYLOAD_KEY]?: AuthStateFields | string }
  const sent = (nuxtApp.payload.serverRendered && sentStateElement(nuxtApp)?.textContent) || payload[PAYLOAD_KEY]
  // The browser's state is deep, as a Pinia store's is: page code may change `data` in place.
  const fields = reactive(typeof sent === 'string' ? parseAuthState(sent) ?? initialAuthState() : sent ?? initialAuthState()) as AuthStateFields
  payload[PAYLOAD_KEY] = fields
  return fields
}

/**
 * The state as the server's render hands it to the browser: when the session is plain JSON (a backend's answer
 * is), one JSON string of the fields by position (the encoding below), else the object itself for Nuxt's payload
 * (which keeps a `Date` or a Map). See writeAuthState for where the string goes.
 */
export function serializeAuthState(fields: AuthStateFields): AuthStateFields | string {
  const raw = toRaw(fields)
  if (!isPlainJson(raw.data ?? null)) return raw
  const { phase, activity, error, checkFailed, epoch } = raw.machine
  const seen = raw.tokensSeen === undefined ? -1 : (raw.tokensSeen.token ? 1 : 0) | (raw.tokensSeen.refreshToken ? 2 : 0)
  const encoded: PayloadEncoding[number][] = [phase, activity, error, epoch, raw.lastRefreshedAt?.getTime() ?? null, (raw.checkedOnServer ? 1 : 0) | (checkFailed ? 2 : 0), seen, raw.serverTime ?? null]
  // `data` last, and only when checked: an absent entry is `undefined` (never checked), `null` is nobody.
  if (raw.data !== undefined) encoded.push(raw.data)
  return JSON.stringify(encoded)
}

/**
 * SSR, when the render is over: puts the state into the page. The JSON string goes into a script element after
 * the app's root, not into Nuxt's payload: the payload's serialiser (devalue) escapes each string for the HTML one
 * character at a time in JavaScript, and with the session in it that was the largest single cost of ours in a
 * render; `<` escaped by a regular expression is all a JSON script element needs (no `</script>` or `<!--` inside).
 * A render with no HTML (an island, a skipped render) and a session that is not plain JSON use the payload.
 */
export function writeAuthState(nuxtApp: Pick<NuxtApp, '_id' | 'payload' | 'ssrContext'>, fields: AuthStateFields, rendered: { html?: string } | null | undefined) {
  const sent = serializeAuthState(fields)
  if (typeof sent === 'string' && typeof rendered?.html === 'string' && !nuxtApp.ssrContext?.islandContext) {
    rendered.html += `<script type="application/json" id="${stateElementId(nuxtApp)}">${sent.replace(/</g, '\\u003c')}</script>`
  }
  else (toRaw(nuxtApp.payload) as Record<string, unknown>)[PAYLOAD_KEY] = sent
}

/**
 * serializeAuthState's string, parsed: the fields by position; flags as bits (1 checked on the server, 2 the check
 * failed); `tokensSeen` as bits (1 token, 2 refresh token, -1 not seen).
 */
type PayloadEncoding = [AuthMachineState['phase'], AuthMachineState['activity'], AuthMachineState['error'], number, number | null, number, number, number | null, Session | null] | [AuthMachineState['phase'], AuthMachineState['activity'], AuthMachineState['error'], number, number | null, number, number, number | null]

/**
 * The script element writeAuthState put after the app's HTML: a JSON script with its id, the last one. A user's HTML
 * in the page (a comment that kept its `id` attributes) may hold an element of the same id, which getElementById
 * would find first; it holds no script, which every HTML sanitiser removes (teleported content, which Nuxt puts
 * after ours, included).
 */
function sentStateElement(nuxtApp: NuxtApp): Element | undefined {
  const found = document.querySelectorAll(`script[type="application/json"][id="${stateElementId(nuxtApp)}"]`)
  return found[found.length - 1]
}

/** null when `sent` is no state of ours: the browser then starts unchecked and asks the server itself. */
function parseAuthState(sent: string): AuthStateFields | null {
  let decoded: PayloadEncoding
  try {
    decoded = JSON.parse(sent) as PayloadEncoding
  }
  catch {
    return null
  }
  if (!Array.isArray(decoded)) return null
  const [phase, activity, error, epoch, lastRefreshedAt, flags, seen, serverTime, data] = decoded
  return {
    machine: { phase, activity, error, checkFailed: (flags & 2) !== 0, epoch },
    data,
    lastRefreshedAt: lastRefreshedAt === null ? undefined : new Date(lastRefreshedAt),
    checkedOnServer: (flags & 1) !== 0,
    tokensSeen: seen < 0 ? undefined : { token: (seen & 1) !== 0, refreshToken: (seen & 2) !== 0 },
    serverTime: serverTime ?? undefined,
  }
}

/**
 * The app layer's view of `fields`: the same object underneath, with `status`, `loading` and `dispatch`. A class,
 * so its accessors live once on the prototype instead of a dozen closures made for every server render.
 */
class AuthStateView implements AuthState {
  /**
   * What reads and writes go through. During SSR, the raw object until the plugin hands the manager to the app
   * (`observed()`): nothing can read the state reactively before, and each access through the proxy costs a trap.
   */
  private target: AuthStateFields
  constructor(private readonly fields: AuthStateFields) {
    this.target = import.meta.server ? toRaw(fields) : fields
  }

  get machine() { return this.target.machine }
  set machine(value) { this.target.machine = value }
  get data() { return this.target.data }
  set data(value) { this.target.data = value }
  get lastRefreshedAt() { return this.target.lastRefreshedAt }
  set lastRefreshedAt(value) { this.target.lastRefreshedAt = value }
  get checkedOnServer() { return this.target.checkedOnServer }
  set checkedOnServer(value) { this.target.checkedOnServer = value }
  get tokensSeen() { return this.target.tokensSeen }
  set tokensSeen(value) { this.target.tokensSeen = value }
  get serverTime() { return this.target.serverTime }
  set serverTime(value) { this.target.serverTime = value }
  get status() { return statusOf(this.target.machine) }
  get loading() { return loadingOf(this.target.machine) }
  dispatch(event: AuthEvent) {
    // The plain object: spreading a reactive proxy goes through a trap per key.
    this.target.machine = transition(toRaw(this.target.machine), event)
  }

  observed() {
    this.target = this.fields
  }
}

const plainStores = new WeakMap<AuthStateFields, AuthState>()

/**
 * `useAuthState().store` in apps without Pinia: the Pinia store's shape over the same state, as a reactive object
 * whose fields and getters are its own enumerable keys (so `watch(store)`, `toRefs(store)` and spreading see the
 * fields, not the view's internals). One per app.
 */
export function plainAuthStore(_nuxtApp: unknown, fields: AuthStateFields, state: AuthState): AuthState {
  let store = plainStores.get(fields)
  if (!store) {
    const view = state as unknown as Record<string, unknown>
    const facade: Record<string, unknown> = { dispatch: (event: AuthEvent) => state.dispatch(event) }
    // The getters `status` and `loading` have no setter: assigning one throws, as with Pinia's getters.
    for (const key of [...Object.keys(fields), 'status', 'loading']) Object.defineProperty(facade, key, { enumerable: true, get: () => view[key], set: value => (view[key] = value) })
    plainStores.set(fields, store = reactive(facade) as unknown as AuthState)
  }
  return store
}

export function createAuthState(fields: AuthStateFields): AuthState {
  return new AuthStateView(fields)
}

/** SSR: the app may read `state` reactively from now on; the plugin calls it as it hands the manager to the app. */
export function observeFromNow(state: AuthState) {
  if (state instanceof AuthStateView) state.observed()
}
