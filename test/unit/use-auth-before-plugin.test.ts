import { describe, expect, it, vi } from 'vitest'

// A NuxtApp on which the module's plugin has not run yet: an app plugin with `enforce: 'pre'`, or a module's plugin
// registered before it.
vi.mock('#imports', () => ({ useNuxtApp: () => ({ payload: {} }) }))
const { useAuth } = await import('../../src/runtime/app/composables/useAuth')
const { useAuthState } = await import('../../src/runtime/app/composables/useAuthState')
const { useAuthFetch } = await import('../../src/runtime/app/composables/useAuthFetch')

describe('a composable called before the module\'s plugin ran', () => {
  it('throws an error naming the fix (dependsOn the plugin \'gatekeeper\'), not a TypeError from inside', () => {
    for (const composable of [useAuth, useAuthState, useAuthFetch]) {
      expect(composable).toThrowError(/before the module's plugin ran: give the calling plugin `dependsOn: \['gatekeeper'\]`/)
      expect(() => composable()).not.toThrowError(TypeError)
    }
  })
})
