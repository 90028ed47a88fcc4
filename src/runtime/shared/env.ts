import { destr } from 'destr'

// Nitro applies the environment to runtimeConfig by a fixed rule, but clones and scans the whole runtimeConfig on
// every request. The module's settings live outside it (generated at build time) and get the same rule applied
// once per process here, so the same variables work at no cost per request.

const envName = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** A setting of text, or a list of texts (`audience`), whose variable keeps its text where destr would read a number. */
const takesText = (built: unknown) => typeof built === 'string' || Array.isArray(built)

/**
 * `settings` (changed in place) with every key the environment sets under `path`, by Nitro's rule for runtimeConfig:
 * each key's path in SNAKE_CASE after `NITRO_` or `NUXT_` (`PUBLIC_AUTH` + `baseURL` → `NUXT_PUBLIC_AUTH_BASE_URL`),
 * values parsed with destr, an object key taking a JSON object. Two exceptions, where Nitro's rule loses the value:
 * a text or list key keeps the variable's text where destr reads a number or a boolean (an audience or a secret of
 * digits; a JSON string or list is still read as one), and an object key ignores anything but a JSON object (an
 * empty placeholder in a compose file, a typo), with a warning naming the variable.
 */
export function applyEnv<T extends object>(settings: T, path: string, env: Record<string, string | undefined>): T {
  const target = settings as Record<string, unknown>
  for (const key of Object.keys(target)) {
    const name = `${path}_${envName(key)}`
    const raw = envVariable(name, env)
    const value = raw === undefined ? undefined : destr(raw)
    if (isObject(target[key])) {
      if (isObject(value)) target[key] = { ...target[key], ...value }
      // Its value is not shown: it may be a secret set under the wrong name.
      else if (value !== undefined) console.warn(`[nuxt-gatekeeper] NUXT_${name} is not a JSON object: ignored, the built value stays`)
      applyEnv(target[key] as object, name, env)
    }
    else if (value !== undefined) target[key] = takesText(target[key]) && (typeof value === 'number' || typeof value === 'boolean') ? raw : value
  }
  return settings
}

/** The value of `NITRO_${name}`, else of `NUXT_${name}` (Nitro's order), undefined when neither is set. */
export function envVariable(name: string, env: Record<string, string | undefined>): string | undefined {
  return env[`NITRO_${name}`] ?? env[`NUXT_${name}`]
}
