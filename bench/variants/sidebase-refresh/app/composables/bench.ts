import { useAuth, useAuthState } from '#imports'

// Both @sidebase/nuxt-auth variants use this adapter (sidebase-local re-exports it).
// @sidebase/nuxt-auth has no fetch helper. Its docs send `token` in the header; renewing the token after a
// 401 with `refresh()` and retrying once is what apps add on top.
export function useBenchAdapter() {
  const { token, refresh } = useAuth()
  const { setToken } = useAuthState()
  const request = (path: string) => $fetch(path, { headers: { Authorization: token.value ?? '' } })
  return {
    async fetch(path: string) {
      try {
        return await request(path)
      }
      catch (error) {
        if ((error as { response?: { status?: number } }).response?.status !== 401) throw error
        await refresh()
        return await request(path)
      }
    },
    setToken,
  }
}
