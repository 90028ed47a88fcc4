import { withQuery } from 'ufo'
import { defineClientStrategy, type SignInCall, type StrategyContext } from '#auth-core'
import type { AuthjsRuntimeOptions } from './options'
import { defaultSignInPath } from './default-sign-in'

type Ctx = StrategyContext<AuthjsRuntimeOptions>
interface ProviderInfo { id: string, type: string }

const SESSION = { path: '/session', method: 'get' }
const CSRF = { path: '/csrf', method: 'get' }
const PROVIDERS = { path: '/providers', method: 'get' }
const SIGN_OUT = { path: '/signout', method: 'post' }
// Auth.js answers `{ url }` instead of a 302 when asked this way, so a fetch can read where it would go.
const RETURN_REDIRECT = { 'x-auth-return-redirect': '1' }

async function csrfToken(ctx: Ctx): Promise<string> {
  const body = await ctx.request<{ csrfToken?: unknown }>(CSRF, 'getCsrfToken', { token: null, withCookies: true })
  if (typeof body?.csrfToken !== 'string' || !body.csrfToken) throw ctx.error('BAD_RESPONSE', `${ctx.url('/csrf')} answered no csrfToken: is auth.baseURL where Auth.js is served?`)
  return body.csrfToken
}

async function providers(ctx: Ctx): Promise<Record<string, ProviderInfo>> {
  const body = await ctx.request<Record<string, ProviderInfo> | null>(PROVIDERS, 'getProviders', { token: null, withCookies: true })
  if (body === null || typeof body !== 'object') throw ctx.error('BAD_RESPONSE', `${ctx.url('/providers')} did not answer the providers`)
  return body
}

// Sign-out's landing as Auth.js is told it (the core decides where the page goes): a URL without `error`.
const SIGNED_OUT_URL = '/'

/**
 * Sign-in fields as Auth.js's own client and the incumbent post them, a form: every value a string, so an
 * `authorize()` that checks `typeof password === 'string'` (or a zod `z.string()`) takes them. Undefined ones are left out.
 */
const formFields = (fields: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined).map(([name, value]) => [name, String(value)]))

/** A URL read wherever it points (Auth.js answers absolute URLs; the callbackUrl sent may be a path). */
const parsed = (url: string) => new URL(url, 'http://placeholder')

/**
 * Auth.js reports failures in the `error` (and `code`) query of the URL it would redirect to: its sign-in or error
 * page. Success answers the callbackUrl sent (`sent`), whose own query may hold an `error` of the app's
 * (`/checkout?error=card`): that is no failure, unless it is Auth.js's own page.
 */
function failureIn(ctx: Ctx, url: unknown, operation: string, sent: string | undefined) {
  if (typeof url !== 'string') return ctx.error('BAD_RESPONSE', `Auth.js answered the ${operation} without a URL`)
  const answered = parsed(url)
  const error = answered.searchParams.get('error')
  if (!error) return null
  // Under the app's base (`app.baseURL`) as Auth.js serves them: ctx.url gives the path below it.
  const ownPage = ['/signin', '/error'].some(page => answered.pathname.endsWith(parsed(ctx.url(page)).pathname))
  if (!ownPage && sent !== undefined && answered.pathname + answered.search === parsed(sent).pathname + parsed(sent).search) return null
  const data = { error, code: answered.searchParams.get('code') ?? undefined }
  if (error === 'CredentialsSignin') return ctx.error('INVALID_CREDENTIALS', 'Wrong credentials', { data })
  if (error === 'MissingCSRF') return ctx.error('CSRF', 'Auth.js refused the CSRF token', { data })
  if (error === 'AccessDenied') return ctx.error('INVALID_CREDENTIALS', 'Auth.js denied the sign-in (its signIn callback said no)', { data })
  // Configuration errors (provider unreachable, bad callback, …) are logged by Auth.js on the server.
  return ctx.error('SERVER', `Auth.js could not complete the ${operation}: ${error}`, { data })
}

export default defineClientStrategy<AuthjsRuntimeOptions>({
  readSignInArgs(args): SignInCall {
    const [providerId, options, authorizationParams] = args as [string | undefined, Record<string, unknown> | undefined, Record<string, unknown> | undefined]
    const { callbackUrl, redirect, external, ...fields } = options ?? {}
    return {
      credentials: { ...fields, provider: providerId },
      options: { callbackUrl: callbackUrl as string | undefined, redirect: redirect as boolean | undefined, external: external as boolean | undefined },
      query: authorizationParams,
      resultObject: redirect === false,
    }
  },

  async signIn(ctx, credentials, params) {
    const { provider: requested, ...fields } = credentials
    const providerId = typeof requested === 'string' && requested ? requested : ctx.options.defaultProvider
    const callbackUrl = params?.callbackUrl
    if (!providerId) {
      // No provider named: Auth.js's own page lists them all.
      return { redirect: withQuery(ctx.url('/signin'), callbackUrl ? { callbackUrl } : {}) }
    }
    const provider = (await providers(ctx))[providerId]
    if (!provider) throw ctx.error('BAD_REQUEST', `Auth.js has no provider "${providerId}" (see GET ${ctx.url('/providers')})`)
    if (import.meta.server && providerId === ctx.options.defaultProvider && (provider.type === 'oauth' || provider.type === 'oidc')) {
      // A render (an app's route middleware) cannot post for the visitor: the CSRF cookie Auth.js issues now is not in
      // the request it received, and a first visit has none. The browser starts it, as the guard's redirect does
      // (server/start-sign-in.ts; the callbackUrl goes along, authorization parameters do not).
      return { redirect: withQuery(ctx.url(defaultSignInPath(providerId)), callbackUrl ? { callbackUrl } : {}) }
    }
    const isCredentials = provider.type === 'credentials'
    const body = await ctx.request<{ url?: unknown }>(
      { path: `/${isCredentials ? 'callback' : 'signin'}/${encodeURIComponent(providerId)}`, method: 'post' },
      'signIn',
      { body: { ...formFields(fields), csrfToken: await csrfToken(ctx), callbackUrl }, query: params?.query, headers: { ...params?.headers, ...RETURN_REDIRECT }, token: null, withCookies: true },
    )
    const failure = failureIn(ctx, body?.url, 'sign-in', callbackUrl)
    if (failure) throw failure
    // Credentials: the session cookie is set, the core reads the session and lands where Auth.js's `redirect`
    // callback said (sanitised there). Email: the link is sent, Auth.js's page says so. OAuth/OIDC: off to the provider.
    const url = body!.url as string
    if (isCredentials) return { landing: url }
    return provider.type === 'email' ? { pending: url } : { redirect: url }
  },

  async signOut(ctx) {
    // A callbackUrl of its own: without one Auth.js answers the last sign-in's (its callback-url cookie), query included.
    const body = await ctx.request<{ url?: unknown }>(SIGN_OUT, 'signOut', { body: { csrfToken: await csrfToken(ctx), callbackUrl: SIGNED_OUT_URL }, headers: RETURN_REDIRECT, token: null, withCookies: true })
    const failure = failureIn(ctx, body?.url, 'sign-out', SIGNED_OUT_URL)
    if (failure) throw failure
  },

  async getSession(ctx) {
    const body = await ctx.request<{ user?: unknown } | null>(SESSION, 'getSession', { token: null, withCookies: true })
    // Auth.js answers `null` (or `{}`) when nobody is signed in.
    if (body === null || typeof body !== 'object' || Object.keys(body).length === 0) return null
    return body
  },

  actions: {
    getCsrfToken: csrfToken,
    getProviders: providers,
  },
})
