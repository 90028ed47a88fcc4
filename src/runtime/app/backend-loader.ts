import { AuthError } from '../core'

/**
 * A chunk of the app imported once, when first needed, and shared. A failed download (offline, a deploy that
 * removed the chunk) is a NETWORK AuthError naming `what`, no verdict about the user, and is not kept: the next call
 * tries again.
 */
export function lazyChunk<T>(load: () => Promise<T>, what: string): () => Promise<T> {
  let loading: Promise<T> | undefined
  return () => loading ??= load().catch((error: unknown) => {
    loading = undefined
    throw new AuthError('NETWORK', `${what} (a chunk of the app) could not be loaded: check the connection`, { cause: error })
  })
}

/** The code that calls the backend (./backend-code.ts): sign-in, sign-up, and the first request a page makes. */
export const loadBackendCode = /* @__PURE__ */ lazyChunk(() => import('./backend-code'), 'The code that calls the auth backend')

/** The fetch helper (useAuthFetch): the first render needs none of it. */
export const loadFetchHelper = /* @__PURE__ */ lazyChunk(() => import('./auth-fetch'), 'The fetch helper\'s code')
