import { defineConfig } from 'vitepress'

export default defineConfig({
  title: 'nuxt-gatekeeper',
  description: 'Client-side authentication for Nuxt, API-compatible with @sidebase/nuxt-auth.',
  cleanUrls: true,
  head: [['link', { rel: 'icon', type: 'image/svg+xml', href: '/logo.svg' }]],
  lastUpdated: false,
  themeConfig: {
    logo: '/logo.svg',
    nav: [
      { text: 'Guide', link: '/guide/getting-started', activeMatch: '/guide/' },
      { text: 'API', link: '/api/use-auth', activeMatch: '/api/' },
      { text: 'Configuration', link: '/reference/configuration' },
      { text: 'Contributing', link: '/contributing' },
    ],
    sidebar: [
      {
        text: 'Guide',
        items: [
          { text: 'Getting started', link: '/guide/getting-started' },
          { text: 'Local provider', link: '/guide/local-provider' },
          { text: 'Refresh provider', link: '/guide/refresh-provider' },
          { text: 'Auth.js provider', link: '/guide/authjs-provider' },
          { text: 'Fetch helper', link: '/guide/fetch-helper' },
          { text: 'Route guard', link: '/guide/route-guard' },
          { text: 'Server-side rendering', link: '/guide/ssr' },
          { text: 'Server utilities', link: '/guide/server-utilities' },
          { text: 'Authorization', link: '/guide/authorization' },
          { text: 'httpOnly cookies (BFF)', link: '/guide/httponly-cookies' },
          { text: 'Server-side sessions', link: '/guide/sessions' },
          { text: 'Migrating from @sidebase/nuxt-auth', link: '/guide/migration-from-sidebase' },
          { text: 'A backend to copy', link: '/guide/backend' },
          { text: 'Recipes for common backends', link: '/guide/backend-recipes' },
          { text: 'Testing', link: '/guide/testing' },
          { text: 'Nuxt DevTools tab', link: '/guide/devtools' },
          { text: 'Deployment checklist', link: '/guide/deployment' },
          { text: 'Troubleshooting and FAQ', link: '/guide/troubleshooting' },
        ],
      },
      {
        text: 'API',
        items: [
          { text: 'useAuth()', link: '/api/use-auth' },
          { text: 'useAuthState()', link: '/api/use-auth-state' },
          { text: 'Errors and hooks', link: '/api/errors-and-hooks' },
        ],
      },
      {
        text: 'Reference',
        items: [
          { text: 'Configuration', link: '/reference/configuration' },
        ],
      },
      {
        text: 'Project',
        items: [
          { text: 'Benchmarks', link: '/benchmarks' },
          { text: 'Contributing', link: '/contributing' },
          { text: 'Architecture', link: '/contributing/architecture' },
        ],
      },
    ],
    outline: { level: [2, 3] },
    search: { provider: 'local' },
  },
})
