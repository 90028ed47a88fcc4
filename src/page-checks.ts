import type { NuxtPage } from '@nuxt/schema'

export interface PageCheckInput {
  /** The app's pages, as Nuxt resolved them. */
  pages: NuxtPage[]
  guardEnabled: boolean
  /** `pages.login` when it is a page of this app (not a server route such as Auth.js's). */
  loginPage: string | null
  /** The app's pages folder relative to its root, for the message. @default 'app/pages' */
  pagesDir?: string
}

/**
 * A mistake that builds fine and then fails quietly: a guard that sends signed-out visitors to a login page the
 * app does not have (a 404 for each of them).
 */
export function checkPages({ pages, guardEnabled, loginPage, pagesDir = 'app/pages' }: PageCheckInput): string[] {
  const warnings: string[] = []
  // A catch-all page (usually the app's 404 page) matches every path: it is no login page.
  const flat = flatten(pages).filter(page => !/:\w+(?:\([^)]*\))?[*+]/.test(page.path))
  if (guardEnabled && loginPage && !flat.some(page => routeMatches(page.path, loginPage))) {
    warnings.push(`auth.globalAppMiddleware is on and sends signed-out visitors to ${loginPage} (pages.login), but the app has no page there: add it (e.g. ${pagesDir}${loginPage === '/' ? '/index' : loginPage.replace(/\/$/, '')}.vue with definePageMeta({ auth: 'guest' })), or set auth.provider.pages.login to the page you have`)
  }
  return warnings
}

function flatten(pages: NuxtPage[], prefix = ''): Array<{ path: string }> {
  return pages.flatMap((page) => {
    const path = page.path.startsWith('/') ? page.path : `${prefix.replace(/\/$/, '')}/${page.path}`
    return [{ path }, ...flatten(page.children ?? [], path)]
  })
}

/** Whether a Vue Router path (`/users/:id`, `/:lang?/login`; catch-alls are filtered out before) matches a path. */
function routeMatches(routePath: string, path: string): boolean {
  const route = routePath.split('/').filter(Boolean)
  const actual = path.split('/').filter(Boolean)
  const match = (r: number, a: number): boolean => {
    if (r === route.length) return a === actual.length
    const segment = route[r]!
    const dynamic = segment.includes(':')
    if (dynamic && segment.endsWith('?') && match(r + 1, a)) return true
    // Vue Router matches case-insensitively unless told otherwise.
    return a < actual.length && (dynamic || segment.toLowerCase() === actual[a]!.toLowerCase()) && match(r + 1, a + 1)
  }
  return match(0, 0)
}
