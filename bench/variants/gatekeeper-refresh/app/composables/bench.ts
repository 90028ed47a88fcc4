// nuxt-gatekeeper's own fetch helper: refreshes an expiring token first, once for any number of calls.
export function useBenchAdapter() {
  const authFetch = useAuthFetch()
  const { setToken } = useAuthState()
  return { fetch: (path: string) => authFetch(path), setToken }
}
