import { defineNitroPlugin } from 'nitropack/runtime'
import { renderMarkHeader } from '../../shared/server-render-mark'

/**
 * The render mark checked when the server starts: a NUXT_AUTH_RENDER_MARK too short to be secret stops it here, with
 * the variable and the fix in the log, rather than failing every page render later with nothing logged.
 */
export default defineNitroPlugin(() => {
  renderMarkHeader()
})
