/**
 * RFC 6901 JSON pointers. For compatibility with @sidebase/nuxt-auth, `/` (and the empty pointer) mean
 * the whole document.
 */
export function parsePointer(pointer: string): string[] {
  if (pointsToWhole(pointer)) return []
  if (!pointer.startsWith('/')) throw new TypeError(`JSON pointer "${pointer}" must start with "/"`)
  return pointer.slice(1).split('/').map(part => part.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/** Whether `pointer` means the whole document (`/` or the empty pointer). */
export function pointsToWhole(pointer: string): boolean {
  return pointer === '' || pointer === '/'
}

// Writing through these would change every object's prototype.
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

export type PointerResult = { found: true, value: unknown } | { found: false }

export function readPointer(document: unknown, pointer: string): PointerResult {
  let current: unknown = document
  for (const key of parsePointer(pointer)) {
    if (current === null || typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, key)) {
      return { found: false }
    }
    current = (current as Record<string, unknown>)[key]
  }
  return current === undefined ? { found: false } : { found: true, value: current }
}

/** What `document` holds at `pointer`, or undefined. */
export function valueAt(document: unknown, pointer: string): unknown {
  const result = readPointer(document, pointer)
  return result.found ? result.value : undefined
}

/** Writes `value` at `pointer`, creating objects on the way. The root pointer returns `value`. */
export function writePointer(document: Record<string, unknown>, pointer: string, value: unknown): unknown {
  const keys = parsePointer(pointer)
  if (keys.length === 0) return value
  if (keys.some(key => UNSAFE_KEYS.has(key))) throw new TypeError(`JSON pointer "${pointer}" writes to a prototype key`)
  let current: Record<string, unknown> = document
  for (const key of keys.slice(0, -1)) {
    const next = current[key]
    if (next === null || typeof next !== 'object') current[key] = {}
    current = current[key] as Record<string, unknown>
  }
  current[keys[keys.length - 1]!] = value
  return document
}
