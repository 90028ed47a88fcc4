import { readFileSync } from 'node:fs'
import type { NuxtPage } from '@nuxt/schema'
import { AUTH_MIDDLEWARE_NAMES } from './runtime/core/protocol'

export interface PageCheckInput {
  /** The app's pages, as Nuxt resolved them. */
  pages: NuxtPage[]
  guardEnabled: boolean
  /** `pages.login` when it is a page of this app (not a server route such as Auth.js's). */
  loginPage: string | null
  /** Reads a page's source; replaceable in tests. */
  readSource?: (file: string) => string
}

/**
 * Mistakes that build fine and then fail quietly: a guard that sends everybody to a login page the app does not
 * have (a 404 for every signed-out visitor), and `auth` page meta that protects nothing because no guard runs.
 */
export function checkPages({ pages, guardEnabled, loginPage, readSource = file => readFileSync(file, 'utf8') }: PageCheckInput): string[] {
  const warnings: string[] = []
  const flat = flatten(pages)
  if (guardEnabled && loginPage && !flat.some(page => routeMatches(page.path, loginPage))) {
    warnings.push(`auth.globalAppMiddleware is on and sends signed-out visitors to ${loginPage} (pages.login), but the app has no page there: add it (e.g. app/pages${loginPage === '/' ? '/index' : loginPage}.vue with definePageMeta({ auth: 'guest' })), or set auth.provider.pages.login to the page you have`)
  }
  if (!guardEnabled) {
    for (const page of flat) {
      if (!page.file) continue
      const source = safeRead(readSource, page.file)
      if (!source || !protectingAuthMeta(source) || listsGuard(source)) continue
      warnings.push(`${page.path} sets \`auth\` in definePageMeta, but no guard runs for it: turn on auth.globalAppMiddleware, or add middleware: 'sidebase-auth' to its page meta (${page.file})`)
    }
  }
  return warnings
}

function flatten(pages: NuxtPage[], prefix = ''): Array<{ path: string, file?: string }> {
  return pages.flatMap((page) => {
    const path = page.path.startsWith('/') ? page.path : `${prefix.replace(/\/$/, '')}/${page.path}`
    return [{ path, file: page.file }, ...flatten(page.children ?? [], path)]
  })
}

/** Whether a Vue Router path (`/users/:id`, `/:slug(.*)*`, `/:lang?/login`) matches a concrete path. */
function routeMatches(routePath: string, path: string): boolean {
  const route = routePath.split('/').filter(Boolean)
  const actual = path.split('/').filter(Boolean)
  const match = (r: number, a: number): boolean => {
    if (r === route.length) return a === actual.length
    const segment = route[r]!
    const dynamic = segment.includes(':')
    // A catch-all takes the rest (`*`: possibly nothing, `+`: at least one segment).
    if (dynamic && /[*+]$/.test(segment)) return segment.endsWith('*') || a < actual.length
    if (dynamic && segment.endsWith('?') && match(r + 1, a)) return true
    return a < actual.length && (dynamic || segment === actual[a]) && match(r + 1, a + 1)
  }
  return match(0, 0)
}

function safeRead(read: (file: string) => string, file: string): string | null {
  try {
    return read(file)
  }
  catch {
    return null
  }
}

/** `auth:` inside definePageMeta, with anything but `false` (which needs no guard). */
function protectingAuthMeta(source: string): boolean {
  const meta = source.match(/definePageMeta\(\s*\{([\s\S]*?)\}\s*\)/)?.[1]
  return Boolean(meta && /(?:^|[\s,{])auth\s*:(?!\s*false\b)/.test(meta))
}

function listsGuard(source: string): boolean {
  return AUTH_MIDDLEWARE_NAMES.some(name => new RegExp(`middleware\\s*:[^\\n]*['"]${name}['"]`).test(source))
}
