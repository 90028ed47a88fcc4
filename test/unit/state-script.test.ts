// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest'
import { initialAuthState, writeAuthState, useAuthStateFields, type AuthStateFields } from '../../src/runtime/app/state'

const HOSTILE = '</script><script>window.pwned = 1</script><!-- \u2028 & "quoted"'

function signedIn(data: AuthStateFields['data']): AuthStateFields {
  return {
    ...initialAuthState(),
    machine: { phase: 'authenticated', activity: null, error: null, checkFailed: false, epoch: 2 },
    data,
    lastRefreshedAt: new Date('2026-12-02T10:00:00.000Z'),
    checkedOnServer: true,
    tokensSeen: { token: true, refreshToken: false },
    serverTime: 1_796_200_000_000,
  }
}

/** A server-side NuxtApp as writeAuthState sees it. */
function serverApp(islandContext?: object) {
  return { _id: 'nuxt-app', payload: {} as Record<string, unknown>, ssrContext: { islandContext } }
}

/** The browser: the page's body as the server sent it, and the NuxtApp that hydrates it. */
function hydrate(html: string, payload: Record<string, unknown>): AuthStateFields {
  document.body.innerHTML = html
  return useAuthStateFields({ _id: 'nuxt-app', payload: { serverRendered: true, ...payload } } as never)
}

afterEach(() => {
  document.body.innerHTML = ''
})

describe('the auth state carried from the server\'s render to the browser', () => {
  it('goes into one JSON script element after the app\'s root, with no "<" in it, and comes back the same (hostile strings included)', () => {
    const app = serverApp()
    const state = signedIn({ id: 'u1', name: HOSTILE, roles: ['<admin>'] })
    const rendered = { html: '<div id="__nuxt"><p>page</p></div>' }
    writeAuthState(app as never, state, rendered)

    const added = rendered.html.slice('<div id="__nuxt"><p>page</p></div>'.length)
    expect(added).toMatch(/^<script type="application\/json" id="nuxt-app-gatekeeper-state">[^<]*<\/script>$/)
    expect(app.payload.gatekeeper).toBeUndefined()

    const fields = hydrate(rendered.html, app.payload)
    expect(document.querySelectorAll('script')).toHaveLength(1)
    expect((window as { pwned?: number }).pwned).toBeUndefined()
    expect({ ...fields }).toEqual(state)
  })

  it('uses Nuxt\'s payload for a session that is not plain JSON (a Date in it), and the HTML is left as it was', () => {
    const app = serverApp()
    const state = signedIn({ id: 'u1', since: new Date('2020-01-01T00:00:00.000Z') })
    const rendered = { html: '<div id="__nuxt"></div>' }
    writeAuthState(app as never, state, rendered)
    expect(rendered.html).toBe('<div id="__nuxt"></div>')
    expect(app.payload.gatekeeper).toEqual(state)
    expect({ ...hydrate(rendered.html, app.payload) }).toEqual(state)
  })

  it('uses the payload for a render without HTML of its own: an island, a skipped render', () => {
    for (const [app, rendered] of [[serverApp({ name: 'Island' }), { html: '<div></div>' }], [serverApp(), {}], [serverApp(), null]] as const) {
      writeAuthState(app as never, signedIn({ id: 'u1' }), rendered as never)
      expect(typeof app.payload.gatekeeper).toBe('string')
      if (rendered && 'html' in rendered) expect(rendered.html).toBe('<div></div>')
      expect({ ...hydrate('', app.payload) }).toEqual(signedIn({ id: 'u1' }))
    }
  })

  it('is not read from the page in an app the server did not render (a client-only app starts unchecked)', () => {
    const app = serverApp()
    const rendered = { html: '' }
    writeAuthState(app as never, signedIn({ id: 'u1' }), rendered)
    document.body.innerHTML = rendered.html
    const fields = useAuthStateFields({ _id: 'nuxt-app', payload: { serverRendered: false } } as never)
    expect({ ...fields }).toEqual(initialAuthState())
  })
})
