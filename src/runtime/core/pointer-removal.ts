import { parsePointer, pointsToWhole } from './pointer'

// A file of its own: only sign-in (a lazy chunk in the browser) and the server's relay routes take tokens out of an
// answer, and a function in ./pointer would ride in the chunk every page loads first, with readPointer.

/**
 * `document` without what `pointer` points at (copied along the way, the rest shared). The root pointer takes the
 * whole document away: null.
 */
export function withoutPointer(document: unknown, pointer: string): unknown {
  return withoutKeys(document, parsePointer(pointer))
}

function withoutKeys(document: unknown, keys: string[]): unknown {
  if (keys.length === 0) return null
  const [key, ...rest] = keys as [string, ...string[]]
  if (document === null || typeof document !== 'object' || !Object.prototype.hasOwnProperty.call(document, key)) return document
  if (Array.isArray(document)) {
    const copy = [...document]
    if (rest.length === 0) copy.splice(Number(key), 1)
    else copy[Number(key)] = withoutKeys(copy[Number(key)], rest)
    return copy
  }
  if (rest.length === 0) return Object.fromEntries(Object.entries(document).filter(([name]) => name !== key))
  return { ...document, [key]: withoutKeys((document as Record<string, unknown>)[key], rest) }
}

/**
 * A sign-up answer without what the sign-in answer's token pointers point at. A pointer to the whole answer ('/':
 * the sign-in answer is the token itself) takes an answer that is text; an object is the sign-up's own answer.
 */
export function withoutTokens(answer: unknown, tokenPointers: string[]): unknown {
  return tokenPointers.reduce((rest, pointer) => pointsToWhole(pointer) && typeof rest !== 'string' ? rest : withoutPointer(rest, pointer), answer)
}

/**
 * `document` without the strings of `values` wherever they sit (an object's key with one goes, an array's item with
 * one goes), copied along the way. For a session a backend answered with the request's own token inside it.
 */
export function withoutValues(document: unknown, values: ReadonlySet<string>): unknown {
  // Looked for first, without copying: a render asks this of every session, and nearly none holds a token.
  return holds(document, values) ? copyWithout(document, values) : document
}

function holds(value: unknown, values: ReadonlySet<string>): boolean {
  if (typeof value === 'string') return values.has(value)
  if (typeof value !== 'object' || value === null) return false
  for (const key in value) if (holds((value as Record<string, unknown>)[key], values)) return true
  return false
}

function copyWithout(document: unknown, values: ReadonlySet<string>): unknown {
  if (typeof document !== 'object' || document === null) return document
  const kept = (value: unknown) => !(typeof value === 'string' && values.has(value))
  if (Array.isArray(document)) return document.filter(kept).map(item => copyWithout(item, values))
  return Object.fromEntries(Object.entries(document).filter(([, value]) => kept(value)).map(([key, value]) => [key, copyWithout(value, values)]))
}
