import CredentialsProvider from 'next-auth/providers/credentials'
import { NuxtAuthHandler } from '#auth'
import { BENCH_SECRET } from '../../../../../fixtures.mjs'
import { findUser } from '../../../../../base/server/utils/backend'

// The bench's users through next-auth's credentials provider (the same check as the backend's login route); the
// session carries the user's name where the pages show it (`data.name`).
// `.default`: next-auth's providers are CommonJS modules (the incumbent's docs call it this way).
export default NuxtAuthHandler({
  secret: BENCH_SECRET,
  providers: [
    CredentialsProvider.default({
      credentials: { username: {}, password: {} },
      authorize: (credentials: Record<string, string> | undefined) => {
        const user = findUser(credentials?.username, credentials?.password)
        return user ? { id: user.id, name: user.name } : null
      },
    }),
  ],
  callbacks: {
    session: ({ session }) => ({ ...session, name: session.user?.name }),
  },
})
