export default defineEventHandler(() => ({
  counters: Object.fromEntries(backendState.counters),
  reuseDetections: backendState.reuseDetections,
  reuseLog: backendState.reuseLog,
  // The runner checks it is talking to the server it started, not another process that took the port.
  pid: process.pid,
}))
