/**
 * Where the guard and `getSession({ required })` send signed-out visitors when `defaultProvider` is set: this path
 * under Auth.js's base URL, which the handler answers by starting that provider's sign-in (server/start-sign-in.ts),
 * so they go straight to the provider, as with the incumbent. Built into the public config and matched by the
 * handler from the same function.
 */
export function defaultSignInPath(providerId: string): string {
  return `/signin/${providerId}`
}

/**
 * Provider ids Auth.js can route: it matches the path segment as sent, undecoded, so an id a URL would encode
 * (a space, `/`, `%`) never reaches its provider.
 */
export const ROUTABLE_PROVIDER_ID = /^[\w.-]*$/
