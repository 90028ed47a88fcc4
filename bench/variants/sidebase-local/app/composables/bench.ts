// The same adapter as the incumbent's refresh variant: its `refresh()` on a 401 asks for the session with the local provider.
export { useBenchAdapter } from '../../../sidebase-refresh/app/composables/bench'
