import { describe, expect, it } from 'vitest'
import { useNuxtApp } from '#imports'
import type { AuthManager } from '../../src/runtime/app/manager'
import { createNavigation } from '../../src/runtime/app/navigation'

// Where the guard sends visitors, with a configured login page on another site (`pages.login` as an absolute URL, as
// the incumbent allows for the local provider): trusted as configured, reached with a full page load.
describe('a login page on another site', () => {
  function navigation(login: string) {
    const manager = useNuxtApp().$gatekeeper as AuthManager
    return createNavigation({ nuxtApp: useNuxtApp(), config: { ...manager.config, pages: { ...manager.config.pages, login } }, store: manager.store, tokens: manager.tokens })
  }
  const route = (path: string) => ({ path, fullPath: path, meta: { auth: true }, matched: [{}], query: {} })

  it('is the guard\'s target as configured, with the wanted page, and not the sanitiser\'s fallback', () => {
    expect(navigation('https://sso.example.com/login').loginTarget(route('/profile'))).toBe('https://sso.example.com/login?redirect=%2Fprofile')
  })

  it('leaves an app path as it was', () => {
    expect(navigation('/login').loginTarget(route('/profile'))).toBe('/login?redirect=%2Fprofile')
  })
})
