import { useRuntimeConfig } from '#imports'
import { describeIssue } from './errors'

// An app served under a path (app.baseURL) is not supported with Auth.js yet: its endpoints, its sign-in page and the
// callback URLs it redirects to would all miss the base, and nobody could sign in. The server says so when it starts.
export default () => {
  const base = useRuntimeConfig().app.baseURL
  if (base && base !== '/') {
    throw new Error(describeIssue({ env: 'NUXT_APP_BASE_URL', problem: `(app.baseURL) is ${JSON.stringify(base)}, and the authjs provider does not work under a path yet: Auth.js's routes, its sign-in page and its callback URLs would miss the base`, fix: 'serve the app at the root of a host of its own (a subdomain such as app.example.com), or use the local or refresh provider, which work under a path' }))
  }
}
