import { AuthError } from '../core'

let backendCode: Promise<typeof import('./backend-code')> | undefined

/**
 * The chunk of code that calls the backend (./backend-code.ts), imported once when first needed and shared. A
 * failed download (offline, a deploy that removed the chunk) is a NETWORK AuthError, no verdict about the user,
 * and is not kept: the next call tries again.
 */
export function loadBackendCode(): Promise<typeof import('./backend-code')> {
  return backendCode ??= import('./backend-code').catch((error: unknown) => {
    backendCode = undefined
    throw new AuthError('NETWORK', 'The code that calls the auth backend (a chunk of the app) could not be loaded: check the connection', { cause: error })
  })
}
