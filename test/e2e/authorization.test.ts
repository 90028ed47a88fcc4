import { fileURLToPath } from 'node:url'
import { describe, expect, inject, it } from 'vitest'
import { authjsCredentialsCookie, Backend, newUser, openSession, quietAfterIdle, signInThroughForm, text, useChromium, waitForHydration } from './helpers'
import { rawStatus, serveBuilt } from './serve'

// Authorization on both sides, for every provider: roles read from the session (auth.authorization.roles), an
// ability defined once (playground/shared/utils/abilities.ts, test/fixtures/authjs/shared/abilities.ts) and
// used by page meta, <AuthCan>, useAuth().hasRole and the server utilities. The playground's admins are the
// users whose email matches runtimeConfig.adminEmailPattern (admin+…@example.com).

const browser = useChromium()

interface Signed { id: string, email: string, token: string, cookie: string }

async function signedIn(backend: Backend, { admin = false } = {}): Promise<Signed> {
  const user = newUser()
  if (admin) user.email = user.email.replace(/^user-([^@]+)@example\.test$/, 'admin+$1@example.com')
  await backend.register(user)
  const token = await backend.login(user.email, user.password)
  const session = await (await fetch(`${backend.baseURL}/api/auth/session`, { headers: { authorization: `Bearer ${token}` } })).json() as { id: string, roles: string[] }
  expect(session.roles.includes('admin')).toBe(admin)
  return { id: session.id, email: user.email, token, cookie: `auth.token=${token}` }
}

const status = async (response: Promise<Response>) => (await response).status

for (const provider of ['local', 'refresh'] as const) {
  describe(`authorization on the server (${provider} provider)`, () => {
    const baseURL = inject(provider === 'local' ? 'localBaseURL' : 'refreshBaseURL')
    const backend = new Backend(baseURL)
    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${baseURL}${path}`, { headers, redirect: 'manual' })

    it('requireServerSession(event, { roles }): 401 signed out, 403 without the role, 200 with it; by header or cookie', async () => {
      const user = await signedIn(backend)
      const admin = await signedIn(backend, { admin: true })
      const anonymous = await get('/api/admin/users')
      expect(anonymous.status).toBe(401)
      expect((await anonymous.json()).data.authError.code).toBe('UNAUTHORIZED')
      const refused = await get('/api/admin/users', { authorization: `Bearer ${user.token}` })
      expect(refused.status).toBe(403)
      expect((await refused.json()).data.authError.code).toBe('FORBIDDEN')
      expect(await status(get('/api/admin/users', { cookie: user.cookie }))).toBe(403)
      const allowed = await get('/api/admin/users', { cookie: admin.cookie })
      expect(allowed.status).toBe(200)
      expect((await allowed.json() as Array<{ email: string }>).map(entry => entry.email)).toContain(user.email)
    })

    it('route rules alone (auth: { roles } on /api/admin/**, { required: true } on /api/account/**) guard handlers that check nothing', async () => {
      const user = await signedIn(backend)
      const admin = await signedIn(backend, { admin: true })
      expect(await status(get('/api/admin/rule-only'))).toBe(401)
      expect(await status(get('/api/admin/rule-only', { cookie: user.cookie }))).toBe(403)
      const allowed = await get('/api/admin/rule-only', { cookie: admin.cookie })
      expect(allowed.status).toBe(200)
      expect(await allowed.json()).toEqual({ reached: true })
      // auth: { required: true }: anyone signed in.
      expect(await status(get('/api/account/ping'))).toBe(401)
      expect(await status(get('/api/account/ping', { cookie: user.cookie }))).toBe(200)
    })

    it('nested route rules: the more specific list of roles replaces the broader one, it does not add to it', async () => {
      const user = await signedIn(backend)
      const admin = await signedIn(backend, { admin: true })
      for (const path of ['/api/members/ping', '/api/members/board/ping']) expect(await status(get(path)), path).toBe(401)
      expect(await status(get('/api/members/ping', { cookie: user.cookie }))).toBe(200)
      // Nitro's merged rule has roles ['admin', 'user'] here: any user would pass.
      expect(await status(get('/api/members/board/ping', { cookie: user.cookie }))).toBe(403)
      const allowed = await get('/api/members/board/ping', { cookie: admin.cookie })
      expect(allowed.status).toBe(200)
      expect(await allowed.json()).toEqual({ reached: 'board' })
    })

    it('authorize(event, editPost, post): authors edit their own posts, admins any, others get 403', async () => {
      const author = await signedIn(backend)
      const other = await signedIn(backend)
      const admin = await signedIn(backend, { admin: true })
      const send = (method: string, path: string, who: Signed | null, body: unknown) => fetch(`${baseURL}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(who ? { authorization: `Bearer ${who.token}` } : {}) },
        body: JSON.stringify(body),
      })
      const created = await send('POST', '/api/posts', author, { title: 'First' })
      expect(created.status).toBe(200)
      const post = await created.json() as { id: string, authorId: string }
      expect(post.authorId).toBe(author.id)
      expect((await send('PATCH', `/api/posts/${post.id}`, null, { title: 'x' })).status).toBe(401)
      expect((await send('PATCH', `/api/posts/${post.id}`, other, { title: 'x' })).status).toBe(403)
      expect((await send('PATCH', `/api/posts/${post.id}`, author, { title: 'Mine' })).status).toBe(200)
      const byAdmin = await send('PATCH', `/api/posts/${post.id}`, admin, { title: 'Moderated' })
      expect(byAdmin.status).toBe(200)
      expect((await byAdmin.json() as { title: string }).title).toBe('Moderated')
    })

    it('page meta roles and can in SSR: 403 for a signed-in user without the right (never the login page), 200 with it', async () => {
      const user = await signedIn(backend)
      const admin = await signedIn(backend, { admin: true })
      const toLogin = await get('/admin')
      expect(toLogin.status).toBe(302)
      expect(new URL(toLogin.headers.get('location')!, baseURL).pathname).toBe('/login')
      const forbidden = await get('/admin', { cookie: user.cookie })
      expect(forbidden.status).toBe(403)
      expect(forbidden.headers.get('location')).toBeNull()
      expect(await forbidden.text()).not.toContain(user.token)
      const allowed = await get('/admin', { cookie: admin.cookie })
      expect(allowed.status).toBe(200)
      expect(await allowed.text()).toContain(user.email)
      // `can` gets the route: /own/<id> is for that user only (admins included: the ability says so).
      expect(await status(get(`/own/${user.id}`, { cookie: user.cookie }))).toBe(200)
      expect(await status(get(`/own/${user.id}`, { cookie: admin.cookie }))).toBe(403)
    })
  })
}

describe('route rules read the path as Nitro routed it', () => {
  it('a dot segment or backslash that a URL parser would resolve into /api/_auth/ does not skip the rule', async () => {
    // A catch-all handler under a roles rule (set at run time, as NUXT_NITRO_ROUTE_RULES merges into routeRules).
    const rules = { '/api/_test/upstream/**': { auth: { roles: ['admin'] } } }
    const server = await serveBuilt(fileURLToPath(new URL('../fixtures/local', import.meta.url)), { NUXT_NITRO_ROUTE_RULES: JSON.stringify(rules) }, { readyPath: '/api/_test/counters' })
    try {
      const backend = new Backend(server.baseURL)
      const user = await signedIn(backend)
      const admin = await signedIn(backend, { admin: true })
      const as = (who: Signed) => ({ headers: { authorization: `Bearer ${who.token}` } })
      expect(await rawStatus(server.baseURL, '/api/_test/upstream/x', as(user))).toBe(403)
      // Each reaches the catch-all (Nitro routes the path as sent); read by a URL parser, each is under /api/_auth/.
      for (const path of ['/api/_test/upstream/%2e%2e/%2e%2e/_auth/x', '/api/_test/upstream/../../_auth/x', '/api/_test/upstream/%2E%2E/..%2F..%2F_auth/session', '/api/_test/upstream/..\\..\\_auth\\x', '/api/_test/upstream/..%5c..%5c_auth%5cx']) {
        expect(await rawStatus(server.baseURL, path, as(user)), path).toBe(403)
        expect(await rawStatus(server.baseURL, path), path).toBe(401)
      }
      // The rule, not the path, decides: an admin gets through such a path too.
      expect(await rawStatus(server.baseURL, '/api/_test/upstream/%2e%2e/%2e%2e/_auth/x', as(admin))).toBe(200)
    }
    finally {
      server.stop()
    }
  })
})

describe('route rules and the backend under baseURL', () => {
  const localDir = fileURLToPath(new URL('../fixtures/local', import.meta.url))

  it('a rule on the whole API leaves the backend\'s endpoints the module calls open, and nothing else under baseURL', async () => {
    const rules = { '/api/**': { auth: { required: true } } }
    // Ready when a page answers: the rule covers the test routes too.
    const server = await serveBuilt(localDir, { NUXT_NITRO_ROUTE_RULES: JSON.stringify(rules) }, { readyPath: '/login' })
    try {
      const backend = new Backend(server.baseURL)
      // Signing up, in, the session check: the configured endpoints under baseURL (/api/auth).
      const user = await signedIn(backend)
      expect(await rawStatus(server.baseURL, '/api/auth/session', { headers: { authorization: `Bearer ${user.token}` } })).toBe(200)
      expect(await rawStatus(server.baseURL, '/api/_auth/session')).not.toBe(401)
      // Other paths and methods under /api/_auth are not the module's: the rule applies to them.
      expect(await rawStatus(server.baseURL, '/api/_auth/users')).toBe(401)
      expect(await rawStatus(server.baseURL, '/api/_auth/session', { method: 'DELETE' })).toBe(401)
      // Nitro routes a trailing slash to the same handler: the same endpoint, open without a session too.
      const other = newUser()
      await backend.register(other)
      const withSlash = await fetch(`${server.baseURL}/api/auth/login/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: other.email, password: other.password }) })
      expect(withSlash.status).toBe(200)
      // Under baseURL but no endpoint of the module's: the rule applies, as anywhere else.
      expect(await rawStatus(server.baseURL, '/api/auth/no-such-endpoint')).toBe(401)
      // Nor another method on an endpoint's path (an app's own DELETE or PATCH there is the app's route).
      for (const method of ['DELETE', 'PATCH']) expect(await rawStatus(server.baseURL, '/api/auth/session', { method }), method).toBe(401)
      expect(await rawStatus(server.baseURL, '/api/user/stats')).toBe(401)
    }
    finally {
      server.stop()
    }
  })

  it('a baseURL that is a parent of the API (/api) does not take the rules off the API under it', async () => {
    const server = await serveBuilt(localDir, { NUXT_PUBLIC_AUTH_BASE_URL: '/api' }, { readyPath: '/api/_test/counters' })
    try {
      expect(await rawStatus(server.baseURL, '/api/admin/rule-only')).toBe(401)
      expect(await rawStatus(server.baseURL, '/api/account/ping')).toBe(401)
    }
    finally {
      server.stop()
    }
  })
})

describe('authorization in Chromium (local provider)', () => {
  const baseURL = inject('localBaseURL')
  const backend = new Backend(baseURL)

  it('client navigation to a page the user may not see shows the 403 error page: no login page, no loop', async () => {
    const user = newUser()
    await backend.register(user)
    const session = await openSession(browser(), baseURL)
    const { page } = session
    await page.goto('/login')
    await signInThroughForm(page, user)
    await page.waitForURL(url => url.pathname === '/profile')
    await expect.poll(() => text(page, 'status')).toBe('authenticated')
    const requests: string[] = []
    page.on('request', request => requests.push(new URL(request.url()).pathname))
    // Client-side navigations too (a detour through /login inside the router makes no request for it; the refused
    // navigation itself changes no URL, the error page shows where the user was, so the positive control is below).
    const visited: string[] = []
    page.on('framenavigated', frame => frame === page.mainFrame() && visited.push(new URL(frame.url()).pathname))
    await page.getByRole('link', { name: 'Admin' }).click()
    // The app's error page (playground/app/error.vue) with status 403.
    await expect.poll(() => text(page, 'error-status')).toBe('403')
    expect(await text(page, 'error-message')).toMatch(/^Forbidden/)
    // Stays there: no login page, no redirect back and forth; and the way back works.
    await quietAfterIdle(page)
    expect(new URL(page.url()).pathname).not.toBe('/login')
    expect(requests.filter(path => path.startsWith('/login'))).toEqual([])
    expect(visited.filter(path => path.startsWith('/login'))).toEqual([])
    await page.getByTestId('error-home').click()
    await expect.poll(() => text(page, 'status')).toBe('authenticated')
    expect(new URL(page.url()).pathname).toBe('/')
    expect(visited.at(-1)).toBe('/')
    // The page's data was never asked for: the guard decided before the page loaded.
    expect(requests.filter(path => path === '/api/admin/users')).toEqual([])
    await session.assertClean()
  })

  it('a page the user may not see, loaded directly: the server\'s 403 page hydrates without a console error', async () => {
    const user = await signedIn(backend)
    const session = await openSession(browser(), baseURL)
    // The document's own status, which Chromium reports as a failed resource.
    session.expectFailedRequest(/status of 403/)
    await session.context.addCookies([{ name: 'auth.token', value: user.token, url: baseURL }])
    const { page } = session
    const response = await page.goto('/admin')
    expect(response?.status()).toBe(403)
    await waitForHydration(page)
    expect(await text(page, 'error-status')).toBe('403')
    await page.reload()
    await waitForHydration(page)
    expect(await text(page, 'error-status')).toBe('403')
    await page.getByTestId('error-home').click()
    await expect.poll(() => text(page, 'status')).toBe('authenticated')
    await session.assertClean()
  })

  it('<AuthCan> shows Edit only on posts the ability allows, in the server\'s HTML and after hydration', async () => {
    const author = await signedIn(backend)
    const other = await signedIn(backend)
    for (const [who, title] of [[author, 'by author'], [other, 'by other']] as const) {
      const response = await fetch(`${baseURL}/api/posts`, { method: 'POST', headers: { 'content-type': 'application/json', 'authorization': `Bearer ${who.token}` }, body: JSON.stringify({ title }) })
      expect(response.status).toBe(200)
    }
    const session = await openSession(browser(), baseURL)
    await session.context.addCookies([{ name: 'auth.token', value: author.token, url: baseURL }])
    const { page } = session
    const html = await (await page.request.get('/posts')).text()
    // Each post's list item, and whether it has the Edit button.
    const editable = (source: string) => source.split('data-testid="post"').slice(1)
      .filter(item => item.includes('data-testid="post-edit"')).map(item => /data-testid="post-name"[^>]*>([^<]*)</.exec(item)?.[1])
    expect(editable(html)).toContain('by author')
    expect(editable(html)).not.toContain('by other')

    await page.goto('/posts')
    await waitForHydration(page)
    const authorRow = page.getByTestId('post').filter({ hasText: 'by author' })
    const otherRow = page.getByTestId('post').filter({ hasText: 'by other' })
    await expect.poll(() => authorRow.getByTestId('post-edit').count()).toBe(1)
    expect(await otherRow.getByTestId('post-edit').count()).toBe(0)
    await authorRow.getByTestId('post-edit').click()
    await page.getByTestId('post-draft').fill('renamed by author')
    await page.getByTestId('post-save').click()
    await expect.poll(() => page.getByTestId('post').filter({ hasText: 'renamed by author' }).count()).toBe(1)
    await session.assertClean()
  })
})

describe('authorization with the authjs provider', () => {
  const baseURL = inject('authjsBaseURL')

  const authjsCookie = (username: string, password: string) => authjsCredentialsCookie(baseURL, username, password)
  const get = (path: string, cookie?: string) => fetch(`${baseURL}${path}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' })

  it('requireServerSession(event, { roles }) and authorize from \'#auth\': 401, 403, 200', async () => {
    const ada = await authjsCookie('ada', 'ada-password')
    const grace = await authjsCookie('grace', 'grace-password')
    expect(await status(get('/api/admin/report'))).toBe(401)
    expect(await status(get('/api/admin/report', ada))).toBe(403)
    const report = await get('/api/admin/report', grace)
    expect(report.status).toBe(200)
    expect(await report.json()).toEqual({ admin: 'Grace Hopper' })
    expect(await status(get('/api/notes/Ada%20Lovelace'))).toBe(401)
    expect(await status(get('/api/notes/Ada%20Lovelace', grace))).toBe(403)
    expect(await status(get('/api/notes/Ada%20Lovelace', ada))).toBe(200)
  })

  it('page meta roles in SSR and on client navigation; <AuthCan> with the same ability as the API', async () => {
    const ada = await authjsCookie('ada', 'ada-password')
    const grace = await authjsCookie('grace', 'grace-password')
    expect(await status(get('/admin', ada))).toBe(403)
    const allowed = await get('/admin', grace)
    expect(allowed.status).toBe(200)
    expect(await allowed.text()).toMatch(/Grace Hopper · admin: true/)

    const session = await openSession(browser(), baseURL)
    const [name, value] = ada.split(/=(.*)/s) as [string, string]
    await session.context.addCookies([{ name, value, url: baseURL }])
    const { page } = session
    await page.goto('/protected')
    await waitForHydration(page)
    expect(await page.getByTestId('ada-notes').count()).toBe(1)
    expect(await page.getByTestId('no-notes').count()).toBe(0)
    await page.getByTestId('to-admin').click()
    await expect.poll(() => page.getByText('Forbidden').count()).toBeGreaterThan(0)
    expect(await page.getByText('403').count()).toBeGreaterThan(0)
    expect(new URL(page.url()).pathname).not.toMatch(/signin|login/)
    await session.assertClean()

    const graceView = await (await get('/protected', grace)).text()
    expect(graceView).toContain('data-testid="no-notes"')
    expect(graceView).not.toContain('data-testid="ada-notes"')
  })
})
