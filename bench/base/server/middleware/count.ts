// Counts backend calls by `METHOD path`: the figures the runner reports per scenario.
export default defineEventHandler((event) => {
  const { pathname } = getRequestURL(event)
  if (!pathname.startsWith('/api/') || pathname.startsWith('/api/_bench/')) return
  const key = `${event.method} ${pathname}`
  backendState.counters.set(key, (backendState.counters.get(key) ?? 0) + 1)
})
