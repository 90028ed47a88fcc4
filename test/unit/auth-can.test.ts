// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest'
import { defineComponent, h, reactive, ref, Suspense } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { defineAbility } from '../../src/runtime/core'

const auth = vi.hoisted(() => ({ store: undefined as unknown }))
vi.mock('../../src/runtime/app/composables/useAuth', () => ({ useAuthManager: () => ({ store: auth.store }) }))
const { default: AuthCan } = await import('../../src/runtime/app/components/AuthCan')

// As docs/guide/authorization.md writes it, for a post whose author may be gone (a deleted account).
const editPost = defineAbility((session: { id: number }, post: { author: { id: number } | null }) => session.id === post.author!.id)

describe('<AuthCan> with an ability that throws', () => {
  async function page(author: { id: number } | null) {
    auth.store = reactive({ data: { id: 1 } })
    const post = ref({ author })
    const rejections: unknown[] = []
    const onRejection = (reason: unknown) => void rejections.push(reason)
    process.on('unhandledRejection', onRejection)
    const wrapper = mount(defineComponent({
      setup: () => () => h(Suspense, null, {
        default: () => h(AuthCan, { ability: editPost, args: [post.value] }, { default: () => h('button', 'Edit'), fallback: () => h('span', 'Read only') }),
      }),
    }))
    await flushPromises()
    const settle = async () => {
      await flushPromises()
      await new Promise(resolve => setTimeout(resolve, 10))
      process.off('unhandledRejection', onRejection)
    }
    return { wrapper, post, rejections, settle }
  }

  it('shows the fallback on the first decision, instead of failing the render', async () => {
    const { wrapper, rejections, settle } = await page(null)
    await settle()
    expect({ shown: wrapper.text(), rejections: rejections.length }).toEqual({ shown: 'Read only', rejections: 0 })
  })

  it('shows the fallback on a later one: the previous post\'s "yes" does not stay', async () => {
    const { wrapper, post, rejections, settle } = await page({ id: 1 })
    expect(wrapper.text()).toBe('Edit')
    post.value = { author: null }
    await settle()
    expect({ shown: wrapper.text(), rejections: rejections.length }).toEqual({ shown: 'Read only', rejections: 0 })
  })
})
