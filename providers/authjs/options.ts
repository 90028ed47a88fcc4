/** `auth.provider` for Auth.js (`@auth/core`). The Auth.js configuration itself lives in a server file. */
export interface AuthjsProviderOptions {
  type: 'authjs'
  /**
   * Take the app's public origin from the request's `X-Forwarded-Host`/`X-Forwarded-Proto` (else `Host`)
   * headers. Only behind a proxy that sets them; otherwise set `AUTH_URL` (see the origin table in the docs).
   * @default false
   */
  trustHost?: boolean
  /** The provider id `signIn()` uses when called without one (e.g. `'github'`). Without it: Auth.js's sign-in page. @default undefined */
  defaultProvider?: string
  /**
   * Where the guard sends signed-out visitors. Unset: Auth.js's own sign-in page at `{baseURL}/signin`.
   * An app page (e.g. `'/login'`) gets the wanted page in `?callbackUrl=`.
   * @default undefined
   */
  pages?: { login?: string }
  /**
   * Path (relative to the app root, or `~/…`) of the file default-exporting the Auth.js configuration; a `~~/…`
   * path is looked up in the app, then in its layers. When it exists, the module serves Auth.js at `{baseURL}/**`
   * itself; without it, write
   * `server/api/auth/[...].ts` with `export default NuxtAuthHandler(config)`.
   * @default '~~/server/auth.config'
   */
  configFile?: string
}

export interface ResolvedAuthjsOptions {
  type: 'authjs'
  trustHost: boolean
  defaultProvider: string
  login: string | null
  configFile: string
}

/** What the client strategy reads as `ctx.options`. */
export interface AuthjsRuntimeOptions {
  defaultProvider: string
}

/** What the server half reads (`runtimeConfig.auth.authjs`). */
export interface AuthjsServerOptions {
  trustHost: boolean
  /** Auth.js's `basePath`: the path part of `baseURL`. */
  basePath: string
}
