// No auth module: the pages still render, showing a fixed state, and make no backend calls.
export function useAuth() {
  return {
    status: ref('authenticated'),
    data: ref({ name: 'nobody (bare app)' }),
    signIn: async () => {},
  }
}

export function useBenchAdapter() {
  return { fetch: (path: string) => $fetch(path), setToken: (_token: string) => {} }
}
