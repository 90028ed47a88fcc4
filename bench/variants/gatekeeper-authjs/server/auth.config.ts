import type { AuthConfig } from '@auth/core'
import Credentials from '@auth/core/providers/credentials'
import { BENCH_SECRET } from '../../../fixtures.mjs'
import { findUser } from '../../../base/server/utils/backend'

// The bench's users through a credentials provider (the same check as the backend's login route); the session
// carries the user's name where the pages show it (`data.name`).
export default {
  secret: BENCH_SECRET,
  providers: [
    Credentials({
      credentials: { username: {}, password: {} },
      authorize: ({ username, password }) => {
        const user = findUser(username, password)
        return user ? { id: user.id, name: user.name } : null
      },
    }),
  ],
  callbacks: {
    session: ({ session }) => ({ ...session, name: session.user?.name }),
  },
} satisfies AuthConfig
