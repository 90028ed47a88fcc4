/**
 * `fields` with the keys of `makers` added, each made by its maker when first read and kept. Every key is an own,
 * enumerable one, so spreading the result, `toRefs` and destructuring see them all as before (and make them then).
 *
 * A Proxy over a plain object rather than an object literal with getters: V8 makes a literal with getters several
 * times slower than a plain one (a literal with eight lazy getters about 23 000 instructions, this about 4 000,
 * counted with callgrind), and `useAuthState()` makes one per call, in every server render.
 */
export function lazyFields<T extends object>(fields: Partial<T>, makers: { [K in keyof T]?: () => T[K] }): T {
  const target = fields as Record<PropertyKey, unknown>
  for (const key in makers) target[key] = undefined
  return new Proxy(target, {
    get(object, key, receiver) {
      // A maker that gives undefined (an action the provider does not have) is asked again: it costs nothing.
      if (object[key] === undefined && typeof key === 'string' && key in makers) object[key] = (makers as Record<string, () => unknown>)[key]!()
      return Reflect.get(object, key, receiver)
    },
  }) as T
}
