import { toRef, type ComputedRef } from 'vue'

/**
 * A read-only ref that reads `read()` at each access (Vue's getter ref): reactive wherever it is read, as a
 * computed is, without a computed's effect and dependency records, and cheap enough to make eagerly (the
 * composables make them on every call, in every server render). Every getter here is a field read or two, so
 * nothing is lost by not caching. Typed as the incumbent's computed refs, so app code that annotates them keeps
 * compiling.
 */
export function liveRef<T>(read: () => T): ComputedRef<T> {
  return toRef(read) as ComputedRef<T>
}
