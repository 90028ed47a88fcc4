import { hasProtocol } from 'ufo'
import { AuthError, ERROR_STATUS, isAuthError, type SignInCall } from '../core'
import type { SecondarySignInOptions, Session, SignInResult, SignUpOptions } from '../types'
import { completeSignIn, credentialsError } from '../shared/sign-in'
import type { AppParts } from './parts'
import type { SessionManager } from './session'
import { withTokenLock } from '#gatekeeper-features'
import { forgetSharedTimestamp, REFRESH_RETRY_KEY } from './tabs/shared-clock'

export interface SignInDeps extends AppParts {
  session: SessionManager
}

/**
 * Sign-in and sign-up. A chunk of their own, imported by the manager when first needed (app/manager.ts): a
 * signed-in page never runs them, and the browser gets them once nobody is signed in.
 */
export function createSignIn({ nuxtApp, store, tokens, strategy, context: strategyContext, navigation, session, tabs, report }: SignInDeps) {
  const context = strategyContext()
  /** The local shape `(credentials, options, query, headers)`, unless the provider reads its own (`readSignInArgs`). */
  function readSignInArgs(args: unknown[]): SignInCall {
    return strategy.readSignInArgs?.(args) ?? {
      credentials: (args[0] ?? {}) as Record<string, unknown>,
      options: (args[1] ?? {}) as SecondarySignInOptions,
      query: args[2] as Record<string, unknown> | undefined,
      headers: args[3] as Record<string, string> | undefined,
    }
  }

  async function signIn(...args: unknown[]): Promise<Session | SignInResult | null> {
    const call = readSignInArgs(args)
    // Sanitised once: the backend (Auth.js) may redirect there itself, and we navigate there afterwards.
    const landing = navigation.landingTarget(call.options.callbackUrl, call.options.external === true)
    if (!call.resultObject) return (await signInWith(call, landing)).session
    // The incumbent's Auth.js shape: the outcome as a value, never thrown.
    try {
      return { error: null, status: 200, ok: true, url: (await signInWith(call, landing)).landing.url }
    }
    catch (error) {
      if (!isAuthError(error)) throw error
      const { error: authjsError, code } = (error.data ?? {}) as { error?: unknown, code?: unknown }
      return { error: typeof authjsError === 'string' ? authjsError : error.code, ...(typeof code === 'string' ? { code } : {}), status: error.status ?? ERROR_STATUS[error.code], ok: false, url: null }
    }
  }

  async function signInWith({ credentials, options, query, headers }: SignInCall, wanted: { url: string, external: boolean }): Promise<{ session: Session | null, landing: { url: string, external: boolean } }> {
    let landing = wanted
    store.dispatch({ type: 'START', activity: 'signingIn' })
    const epoch = store.machine.epoch
    // A check's answer still on its way would set the previous session's cookies over the new one's (session.ts).
    await session.answersSettled()
    let signedIn: Session
    try {
      // A backend that redirects there itself does so by a page load: the document's path.
      const callbackUrl = wanted.external ? wanted.url : navigation.documentPath(wanted.url)
      const result = await strategy.signIn(context, credentials, { query, headers, callbackUrl })
        .catch((error: unknown) => Promise.reject(credentialsError(error)))
      const elsewhere = result.redirect ?? result.pending
      if (elsewhere) {
        // The sign-in goes on elsewhere (OAuth provider, server sign-in page, an email's link) and comes back by a
        // page load. A page that only says so (`pending`) is not loaded when the caller shows its own message.
        store.dispatch({ type: 'SETTLE', epoch })
        const page = hasProtocol(elsewhere) ? elsewhere : navigation.documentPath(elsewhere)
        if (result.redirect || options.redirect !== false) await navigation.go({ url: page, external: true })
        return { session: null, landing: result.pending ? { url: page, external: true } : landing }
      }
      if (result.landing !== undefined) {
        // The backend names a document's address (under app.baseURL): as a full URL, which the sanitiser turns into
        // the app's path (a path from the backend is the document's too).
        const address = hasProtocol(result.landing) || import.meta.server ? result.landing : `${window.location.origin}${result.landing}`
        landing = navigation.resolveTarget(address, wanted.external, wanted.url)
      }
      if (options.callGetSession === false && result.session === undefined) {
        // The incumbent's option: the tokens only; the app asks for the session itself.
        await withTokenLock(async () => tokens.write({ token: result.token, refreshToken: result.refreshToken }))
        store.dispatch({ type: 'SETTLE', epoch })
        if (options.redirect !== false) await navigation.go(landing)
        return { session: null, landing }
      }
      // Under the token lock: a refresh in flight in another tab finishes first, so its answer cannot land
      // over the new tokens.
      signedIn = await withTokenLock(() => completeSignIn(strategy, context, tokens, result)) as Session
    }
    catch (error) {
      const authError = await report(error, 'signIn')
      store.dispatch({ type: 'FAIL', code: authError.code, epoch, about: 'credentials' })
      throw authError
    }
    session.applySession(signedIn)
    store.dispatch({ type: 'SIGNED_IN' })
    forgetSharedTimestamp(REFRESH_RETRY_KEY)
    tabs.post({ type: 'signed-in' })
    await nuxtApp.callHook('auth:signedIn', { session: signedIn })
    if (options.redirect !== false) await navigation.go(landing)
    return { session: signedIn, landing }
  }

  /**
   * `signUp(credentials, signInOptions?, signUpOptions?)`, and the incumbent's 1.x form
   * `signUp(credentials, { preventLoginFlow })`.
   */
  async function signUp(credentials: Record<string, unknown>, signInOptionsGiven?: SecondarySignInOptions & SignUpOptions | null, signUpOptionsGiven?: SignUpOptions | null) {
    // `null` as well as `undefined`: callers pass `null` for "none" to reach the third argument.
    const signInOptions = signInOptionsGiven ?? {}
    const signUpOptions = signUpOptionsGiven ?? {}
    if (!strategy.signUp) throw await report(new AuthError('NOT_SUPPORTED', 'This provider has no signUp'), 'signUp')
    store.dispatch({ type: 'START', activity: 'signingUp' })
    const epoch = store.machine.epoch
    let response: unknown
    try {
      response = await strategy.signUp(context, credentials)
    }
    catch (error) {
      const authError = await report(credentialsError(error), 'signUp')
      store.dispatch({ type: 'FAIL', code: authError.code, epoch, about: 'credentials' })
      throw authError
    }
    store.dispatch({ type: 'SETTLE', epoch })
    if (signUpOptions.preventLoginFlow ?? signInOptions.preventLoginFlow) return response
    const { preventLoginFlow: _, ...options } = signInOptions
    await signIn(credentials, options)
    return response
  }

  return { signIn, signUp }
}
