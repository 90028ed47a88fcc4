import { defineStore } from 'pinia'
import { initialMachineState, statusOf, transition, type AuthEvent, type AuthMachineState } from '../core'
import type { Session } from '../types'
import type { TokensSeen } from './tokens'

/**
 * The serialisable auth state. It goes into the SSR payload, so it never holds a token:
 * tokens live in cookies only (see useAuthState().rawToken).
 */
export const useAuthStore = defineStore('gatekeeper', {
  state: () => ({
    machine: { ...initialMachineState } as AuthMachineState,
    /** `undefined`: never checked; `null`: checked, nobody; else the session. */
    data: undefined as Session | null | undefined,
    lastRefreshedAt: undefined as Date | undefined,
    /** The server reached a verdict during SSR, so the client must not check again on hydration. */
    checkedOnServer: false,
    /** Which tokens the server's render could see; hydration shows the same (see AppTokens.matchServerRender). */
    tokensSeen: undefined as TokensSeen | undefined,
    /** The server's clock (epoch ms) when it rendered the page: token expiry is judged by it, not the browser's. */
    serverTime: undefined as number | undefined,
  }),
  getters: {
    status: state => statusOf(state.machine),
    loading: state => state.machine.activity !== null,
  },
  actions: {
    dispatch(event: AuthEvent) {
      this.machine = transition(this.machine, event)
    },
  },
})
