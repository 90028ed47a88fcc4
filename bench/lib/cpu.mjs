// CPU time of a process (Linux /proc): user + system clock ticks (USER_HZ, 100 per second on Linux).
import { readFileSync } from 'node:fs'

function ticksIn(statFile) {
  const stat = readFileSync(statFile, 'utf8')
  // Fields after the command name (which may hold spaces, hence from the last ')'): utime is the 14th field, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11]) + Number(fields[12])
}

/** Every thread of the process together. */
export function clockTicks(pid) {
  return ticksIn(`/proc/${pid}/stat`)
}

/**
 * The same, split: `main`, the thread that runs the JavaScript (the render, and the collector's work on it), and
 * `helpers`, every other thread (V8's compiler and collector helpers, libuv's pool), which a CPU profile, sampling
 * the main thread, does not see. The helpers' are the process's less the main thread's: that keeps the time of
 * threads that have ended, which /proc no longer lists.
 */
export function clockTicksByThread(pid) {
  const main = ticksIn(`/proc/${pid}/task/${pid}/stat`)
  return { main, helpers: clockTicks(pid) - main }
}
