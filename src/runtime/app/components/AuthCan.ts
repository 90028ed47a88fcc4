import { defineComponent, ref, watch, type PropType } from 'vue'
import roles from '#gatekeeper-roles'
import { meetsRequirement, type AnyAbility } from '../../core/ability'
import { useAuthManager } from '../composables/useAuth'

/**
 * Part of a page shown only to those allowed: `<AuthCan :ability="editPost" :args="[post]">…</AuthCan>`, or
 * `roles="admin"`; the `fallback` slot for everyone else. With neither, signed-in users. Nobody signed in is
 * never allowed. Decided before the server renders (no flash), again whenever the session or the props change.
 */
export default defineComponent({
  name: 'AuthCan',
  props: {
    /** An ability made with `defineAbility`. */
    ability: { type: Object as PropType<AnyAbility>, default: undefined },
    /** The ability's arguments after the session. */
    args: { type: Array as PropType<unknown[]>, default: () => [] },
    /** At least one of these roles. */
    roles: { type: [String, Array] as PropType<string | string[]>, default: undefined },
  },
  async setup(props, { slots }) {
    const { store } = useAuthManager()
    const allowed = ref(false)
    let latest = 0
    async function decide() {
      const run = ++latest
      const can = props.ability ? [props.ability, ...props.args] as const : undefined
      let verdict = false
      try {
        verdict = await meetsRequirement(store.data, roles, { roles: props.roles, can })
      }
      catch (error) {
        // An ability that throws (a post whose author is gone) allows nothing, and an earlier "yes" does not stay.
        if (import.meta.dev) console.warn('[nuxt-gatekeeper] <AuthCan>: the ability threw; the fallback is shown.', error)
      }
      // An answer overtaken by a newer question is dropped (abilities may be async).
      if (run === latest) allowed.value = verdict
    }
    watch(() => [store.data, props.ability, props.roles, ...props.args], decide)
    await decide()
    return () => (allowed.value ? slots.default?.() : slots.fallback?.())
  },
})
