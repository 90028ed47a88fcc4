export interface ScannedHandler {
  route?: string
  handler: string
}

/**
 * A mistake that builds fine and fails quietly: the app's own Auth.js route (`server/api/auth/[...].ts`, scanned by
 * Nitro) at the path the module serves Auth.js at with a config file. The module's handler, registered last, answers
 * every request there, and the app's `NuxtAuthHandler(…)` is never called. Returns the warning, or null.
 */
export function checkOwnAuthRoute(handlers: ScannedHandler[], basePath: string, configFile: string, relativePath: (file: string) => string): string | null {
  const catchAll = `${basePath.replace(/\/$/, '')}/**`
  const own = handlers.find(handler => handler.route === catchAll || handler.route?.startsWith(`${catchAll}:`))
  if (!own) return null
  return `${relativePath(own.handler)} and ${relativePath(configFile)} (auth.provider.configFile) both serve Auth.js at ${catchAll}: the module's handler, with ${relativePath(configFile)}, answers there and your route is never called. Keep one: move the configuration into one of them and delete the other, or set auth.provider.configFile to a path that does not exist`
}
