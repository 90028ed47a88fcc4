import { Auth, skipCSRFCheck, type AuthConfig } from '@auth/core'
import { joinURL, withQuery } from 'ufo'
import { defaultSignInPath } from '../default-sign-in'

/** Provider types whose sign-in is a redirect to the provider and nothing else: safe to start from a link. */
const REDIRECT_TYPES = new Set(['oauth', 'oidc'])

/**
 * `GET {basePath}/signin/{defaultProvider}?callbackUrl=…`, where the guard sends signed-out visitors when
 * `defaultProvider` is set: starts that provider's sign-in, as Auth.js's `POST /signin/{id}` does, and answers
 * with its redirect to the provider (and the cookies of the provider's `checks`). Auth.js itself only starts a
 * sign-in from a POST with its CSRF token, which a redirect cannot carry; the incumbent's middleware fetched the
 * token and posted for the visitor. Only for OAuth and OpenID providers, as a "Sign in with …" link elsewhere: a
 * start can sign nobody in as someone else (PKCE and state bind the provider's answer to this browser).
 * An email or credentials provider needs input: its visitors get Auth.js's sign-in page.
 * Null for every other request (Auth.js answers those).
 */
export async function startDefaultSignIn(request: Request, defaultProvider: string, authConfig: AuthConfig & { basePath: string }): Promise<Response | null> {
  if (!defaultProvider || request.method !== 'GET') return null
  const url = new URL(request.url)
  const { basePath } = authConfig
  if (url.pathname !== joinURL(basePath, defaultSignInPath(defaultProvider))) return null
  // Auth.js mutates the config it gets: each of the two calls below gets its own copy.
  const config = () => ({ ...authConfig })
  const callbackUrl = url.searchParams.get('callbackUrl') ?? undefined

  const listed = await Auth(new Request(new URL(joinURL(basePath, '/providers'), url)), config())
  const providers = (listed.ok ? await listed.json() : {}) as Record<string, { type?: string } | undefined>
  if (!REDIRECT_TYPES.has(providers[defaultProvider]?.type ?? '')) {
    return new Response(null, { status: 302, headers: { location: withQuery(joinURL(basePath, '/signin'), callbackUrl ? { callbackUrl } : {}) } })
  }

  // Only the visitor's cookies go along (Auth.js keeps or replaces its callback-URL cookie; another header could change
  // the answer's form), and only the callbackUrl: the rest of the query would reach the authorization request
  // (`redirect_uri`, `scope`, …). Auth.js runs the callbackUrl through the config's `redirect` callback (same origin by
  // default) as for any sign-in.
  const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded' })
  const cookie = request.headers.get('cookie')
  if (cookie) headers.set('cookie', cookie)
  const body = new URLSearchParams(callbackUrl ? { callbackUrl } : {})
  return await Auth(new Request(url.origin + url.pathname, { method: 'POST', headers, body }), { ...config(), skipCSRFCheck })
}
