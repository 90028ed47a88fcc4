// '#gatekeeper-features' for the unit tests: what the module generates for a refresh app without a server of
// its own (the browser spends refresh tokens itself, behind the tab lock with its lease fallback).
export { createAppTokens } from '../../../src/runtime/app/tokens'
export { createRefresher } from '../../../src/runtime/app/refresher'
export { withTokenLock } from '../../../src/runtime/app/tabs/lock'
export const createServerHeldRefresh = null
export const authStore = <T>(_nuxtApp: unknown, _fields: unknown, state: T): T => state
