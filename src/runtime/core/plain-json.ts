/**
 * Plain JSON (what a backend's session endpoint answers): null, strings, booleans, finite numbers, arrays and
 * plain objects of them. A JSON round trip copies such a value exactly; anything else (a Date, a Map, a class
 * instance) needs structured cloning or devalue.
 */
export function isPlainJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true
  if (typeof value === 'number') return Number.isFinite(value)
  if (Array.isArray(value)) return value.every(isPlainJson)
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false
  return Object.values(value as object).every(isPlainJson)
}
