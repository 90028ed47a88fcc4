export default defineEventHandler(() => ({
  counters: Object.fromEntries(backendState.counters),
  reuseDetections: backendState.reuseDetections,
  reuseLog: backendState.reuseLog,
}))
