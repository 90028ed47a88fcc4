// Auth.js keeps its session in its own cookies, which the browser sends to the app's API by itself.
export function useBenchAdapter() {
  return { fetch: (path: string) => $fetch(path), setToken: (_token: string) => {} }
}
