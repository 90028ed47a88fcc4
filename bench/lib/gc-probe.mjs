// Loaded into a bench server with `--import` (bench/profile.mjs --gc): counts the garbage collector's pauses,
// minor (scavenges of the young generation) and major (mark-compact), and their time. On SIGUSR2 it writes one
// line to stderr, `GC-PROBE {"minor":…,"minorMs":…,"major":…,"majorMs":…}`, totals since the server started.
import { PerformanceObserver, constants } from 'node:perf_hooks'

const totals = { minor: 0, minorMs: 0, major: 0, majorMs: 0 }
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = entry.detail?.kind
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
      totals.minor++
      totals.minorMs += entry.duration
    }
    else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
      totals.major++
      totals.majorMs += entry.duration
    }
  }
}).observe({ entryTypes: ['gc'] })

process.on('SIGUSR2', () => {
  // The observer hears of a pause after it ended: a tick later the last one is counted too.
  setImmediate(() => process.stderr.write(`GC-PROBE ${JSON.stringify(totals)}\n`))
})
