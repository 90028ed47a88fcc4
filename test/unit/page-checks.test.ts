import { describe, expect, it } from 'vitest'
import { checkPages } from '../../src/page-checks'

interface Page { path: string, file?: string, children?: Page[] }
const page = (path: string, file?: string, children?: Page[]): Page => ({ path, file, children })

describe('build warnings about pages', () => {
  it('warns when the guard sends visitors to a login page the app does not have', () => {
    const pages = [page('/'), page('/profile')]
    const [warning] = checkPages({ pages, guardEnabled: true, loginPage: '/login', readSource: () => '' })
    expect(warning).toContain('sends signed-out visitors to /login (pages.login), but the app has no page there')
    expect(warning).toContain('app/pages/login.vue')
  })

  it.each([
    ['a static page', [page('/login')], '/login'],
    ['a trailing slash', [page('/login')], '/login/'],
    ['a nested page', [page('/account', undefined, [page('sign-in')])], '/account/sign-in'],
    ['a dynamic segment', [page('/:lang/login')], '/en/login'],
    ['an optional segment', [page('/:lang?/login')], '/login'],
    ['a catch-all', [page('/:slug(.*)*')], '/login'],
    ['the index as login page (the incumbent\'s local playground)', [page('/')], '/'],
  ])('is quiet when the login page exists: %s', (_label, pages, loginPage) => {
    expect(checkPages({ pages, guardEnabled: true, loginPage, readSource: () => '' })).toEqual([])
  })

  it('is quiet without the guard or without an app login page (Auth.js\'s own)', () => {
    expect(checkPages({ pages: [page('/')], guardEnabled: false, loginPage: '/login', readSource: () => '' })).toEqual([])
    expect(checkPages({ pages: [page('/')], guardEnabled: true, loginPage: null, readSource: () => '' })).toEqual([])
  })

  it('warns about auth page meta that no guard enforces, naming the page and both fixes', () => {
    const sources: Record<string, string> = {
      'admin.vue': `definePageMeta({ auth: { unauthenticatedOnly: false } })`,
      'guest.vue': `definePageMeta({\n  auth: 'guest',\n})`,
      'public.vue': `definePageMeta({ auth: false })`,
      'listed.vue': `definePageMeta({ auth: true, middleware: ['sidebase-auth'] })`,
      'plain.vue': `const x = 1`,
    }
    const pages = Object.keys(sources).map(file => page(`/${file.replace('.vue', '')}`, file))
    const warnings = checkPages({ pages, guardEnabled: false, loginPage: '/login', readSource: file => sources[file]! })
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toBe('/admin sets `auth` in definePageMeta, but no guard runs for it: turn on auth.globalAppMiddleware, or add middleware: \'sidebase-auth\' to its page meta (admin.vue)')
    expect(warnings[1]).toContain('/guest sets `auth`')
  })
})
