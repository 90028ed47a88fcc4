import { describe, expect, it, vi } from 'vitest'

// A server render's guard, for a signed-in visitor of a guest-only login page that names the page to go back to by
// its full URL (as the incumbent's Auth.js provider writes callbackUrls: links and bookmarks have them).
vi.mock('#imports', () => ({
  useRouter: () => ({ currentRoute: { value: undefined }, afterEach() {}, onError() {} }),
  navigateTo: () => {},
  showError: () => {},
  createError: (input: object) => Object.assign(new Error('error'), input),
}))
const { createNavigation } = await import('../../src/runtime/app/navigation')

function navigation(headers: Record<string, string> = { host: 'app.example' }) {
  const config = {
    pages: { login: '/login', redirectQueryKey: 'callbackUrl' },
    globalAppMiddleware: { isEnabled: true, allow404WithoutAuth: true, addDefaultCallbackUrl: true },
    navigateAuthenticatedTo: '/',
    allowedRedirectOrigins: [],
    authorization: { forbiddenPage: null },
  }
  const store = { status: 'authenticated', data: { id: 1 }, machine: { checkFailed: false } }
  const tokens = { kept: false, readable: false, token: () => null, refreshToken: () => null }
  // The render's request, as Nitro hands it to the app (h3 reads its address from the Host header).
  const event = { node: { req: { url: '/login?callbackUrl=x', headers, connection: { encrypted: true } } }, path: '/login?callbackUrl=x', context: {} }
  const nuxtApp = { $config: { app: { baseURL: '/' } }, ssrContext: { event }, runWithContext: (run: () => unknown) => run() }
  return createNavigation({ nuxtApp: nuxtApp as never, config: config as never, store: store as never, tokens: tokens as never })
}
const loginPage = (callbackUrl: string) => ({ path: '/login', fullPath: `/login?callbackUrl=${callbackUrl}`, meta: { auth: 'guest' }, matched: [{}], query: { callbackUrl } })

describe('the server\'s guard on a full URL as the page to go back to', () => {
  it('takes one of the request\'s own origin as its path, as the browser does', () => {
    expect(navigation().guardTarget(loginPage('https://app.example/orders?tab=2'))).toBe('/orders?tab=2')
  })

  it('behind a proxy: the origin it forwarded (X-Forwarded-Host and -Proto)', () => {
    expect(navigation({ 'host': 'internal:3000', 'x-forwarded-host': 'app.example', 'x-forwarded-proto': 'https' }).guardTarget(loginPage('https://app.example/orders'))).toBe('/orders')
  })

  it('a Host no URL can hold gives no origin: the landing page, not a 500', () => {
    expect(navigation({ host: 'app example' }).guardTarget(loginPage('https://app.example/orders'))).toBe('/')
  })

  it('still refuses another origin (the landing page instead)', () => {
    expect(navigation().guardTarget(loginPage('https://evil.example/orders'))).toBe('/')
  })
})
