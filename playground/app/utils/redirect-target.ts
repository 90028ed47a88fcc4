/**
 * The login and register pages pass `?redirect=` on and show it. It is attacker-controlled text: the module
 * sanitises it before navigating; here it is used only when it is a plain app path, so odd characters never
 * reach the page (a NUL in it once caused a hydration mismatch).
 */
export function plainRedirectTarget(value: unknown): string | null {
  return typeof value === 'string' && /^\/(?!\/)[\w\-./~?=&%+#]*$/.test(value) ? value : null
}
