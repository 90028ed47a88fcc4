import { describe, expect, it } from 'vitest'
import { checkPages } from '../../src/page-checks'

interface Page { path: string, file?: string, children?: Page[] }
const page = (path: string, file?: string, children?: Page[]): Page => ({ path, file, children })

describe('build warnings about pages', () => {
  it('warns when the guard sends visitors to a login page the app does not have', () => {
    const pages = [page('/'), page('/profile')]
    const [warning] = checkPages({ pages, guardEnabled: true, loginPage: '/login' })
    expect(warning).toContain('sends signed-out visitors to /login (pages.login), but the app has no page there')
    expect(warning).toContain('app/pages/login.vue')
  })

  it.each([
    ['a static page', [page('/login')], '/login'],
    ['a trailing slash', [page('/login')], '/login/'],
    ['a nested page', [page('/account', undefined, [page('sign-in')])], '/account/sign-in'],
    ['a dynamic segment', [page('/:lang/login')], '/en/login'],
    ['an optional segment', [page('/:lang?/login')], '/login'],
    ['another case', [page('/Login')], '/login'],
    ['the index as login page (the incumbent\'s local playground)', [page('/')], '/'],
  ])('is quiet when the login page exists: %s', (_label, pages, loginPage) => {
    expect(checkPages({ pages, guardEnabled: true, loginPage })).toEqual([])
  })

  it('a catch-all page (the app\'s 404 page) is no login page', () => {
    const [warning] = checkPages({ pages: [page('/'), page('/:slug(.*)*')], guardEnabled: true, loginPage: '/login', pagesDir: 'pages' })
    expect(warning).toContain('e.g. pages/login.vue')
  })

  it('is quiet without the guard or without an app login page (Auth.js\'s own)', () => {
    expect(checkPages({ pages: [page('/')], guardEnabled: false, loginPage: '/login' })).toEqual([])
    expect(checkPages({ pages: [page('/')], guardEnabled: true, loginPage: null })).toEqual([])
  })
})
