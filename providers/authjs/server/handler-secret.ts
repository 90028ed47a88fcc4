/**
 * The secret given to `NuxtAuthHandler(config)`, for `getToken` (as with the incumbent). Known once the
 * handler's route module has loaded (Nitro loads routes on their first request); before that `getToken`
 * falls back to NUXT_AUTH_SECRET / AUTH_SECRET. One per server process (see session-cache.ts for why on globalThis).
 */
const SECRET = Symbol.for('nuxt-gatekeeper:authjs-handler-secret')
const holder = globalThis as { [SECRET]?: string | string[] }

export function rememberHandlerSecret(secret: string | string[] | undefined) {
  if (secret) holder[SECRET] = secret
}

export function handlerSecret(): string | string[] | undefined {
  return holder[SECRET]
}
