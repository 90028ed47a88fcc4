import type { AuthConfig } from '@auth/core'
import Credentials from '@auth/core/providers/credentials'
import { findUserByEmail, userRoles, verifyPassword } from './utils/users'
import { PLAYGROUND_OIDC_CLIENT, PLAYGROUND_OIDC_ISSUER } from './utils/local-oidc'

// Used only in the authjs mode (`PLAYGROUND_PROVIDER=authjs npm run dev`): the module serves Auth.js at
// /api/authjs/** with this config. Credentials check the playground's own users; "Local OpenID provider" is a
// real OpenID provider started by server/plugins/local-oidc.ts, so the OAuth flow works offline.
export default {
  providers: [
    {
      id: 'local-oidc',
      name: 'Local OpenID provider',
      type: 'oidc',
      issuer: PLAYGROUND_OIDC_ISSUER,
      clientId: PLAYGROUND_OIDC_CLIENT.id,
      clientSecret: PLAYGROUND_OIDC_CLIENT.secret,
      checks: ['pkce', 'state', 'nonce'],
      style: { logo: '' },
    },
    Credentials({
      credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
      async authorize({ email, password }) {
        const user = typeof email === 'string' ? await findUserByEmail(email) : null
        if (!user || typeof password !== 'string' || !(await verifyPassword(password, user.passwordHash))) return null
        return { id: user.id, name: user.name, email: user.email }
      },
    }),
  ],
  callbacks: {
    // Keep the provider's subject (Auth.js would put a random id into `sub` for OAuth sign-ins).
    jwt({ token, account }) {
      if (account) token.sub = account.providerAccountId
      return token
    },
    // The playground's pages show `data.name`, `data.email`, `data.id` and read `data.roles`, as the local
    // backend's session has them.
    session({ session, token }) {
      const email = session.user?.email
      return { ...session, id: token.sub, name: session.user?.name, email, roles: email ? userRoles(email) : [] }
    },
  },
} satisfies AuthConfig
