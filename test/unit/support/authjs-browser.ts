import { Auth, type AuthConfig } from '@auth/core'
import type { AuthjsRuntimeOptions } from '../../../providers/authjs/options'
import { AuthError, type AuthErrorCode } from '../../../src/runtime/core/errors'
import type { StrategyContext } from '../../../src/runtime/core'

/**
 * The Auth.js client strategy's context in a browser, against the real Auth.js (@auth/core) served in process: each
 * request goes through Auth() with the cookies the answers before set, as a browser's would, and the cookies of an
 * answer are stored when it arrives. `appBase`: the app's `app.baseURL` without its trailing slash, under which
 * Auth.js is served (ctx.url has no base). `sent` lists the paths asked for, in order; `answered` those whose answer
 * (and its cookies) arrived, in that order.
 */
export function authjsBrowser(config: AuthConfig, appBase = '') {
  const cookies = new Map<string, string>()
  const sent: string[] = []
  const answered: string[] = []
  const ctx = {
    options: { defaultProvider: '' },
    url: (path: string) => `/api/auth${path}`,
    error: (code: AuthErrorCode, message: string, options?: ConstructorParameters<typeof AuthError>[2]) => new AuthError(code, message, options),
    async request(endpoint: { path: string, method: string }, _name: string, init: { body?: unknown, query?: Record<string, unknown>, headers?: Record<string, string> } = {}) {
      sent.push(endpoint.path)
      const url = new URL(`http://localhost:3000${appBase}/api/auth${endpoint.path}`)
      for (const [key, value] of Object.entries(init.query ?? {})) url.searchParams.set(key, String(value))
      // A cookie Auth.js cleared (an empty value) is not sent again.
      const headers = new Headers({ ...init.headers, cookie: [...cookies].filter(([, value]) => value).map(([name, value]) => `${name}=${value}`).join('; ') })
      if (init.body) headers.set('content-type', 'application/json')
      const response = await Auth(new Request(url, { method: endpoint.method.toUpperCase(), headers, body: init.body ? JSON.stringify(init.body) : undefined }), config)
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';')
        const at = pair!.indexOf('=')
        cookies.set(pair!.slice(0, at), pair!.slice(at + 1))
      }
      answered.push(endpoint.path)
      const text = await response.text()
      return text ? JSON.parse(text) : null
    },
  } as unknown as StrategyContext<AuthjsRuntimeOptions>
  return { ctx, cookies, sent, answered }
}
