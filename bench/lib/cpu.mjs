// CPU time of a process (Linux /proc): user + system clock ticks (USER_HZ, 100 per second on Linux).
import { readFileSync } from 'node:fs'

export function clockTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name (which may hold spaces, hence from the last ')'): utime is the 14th field, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11]) + Number(fields[12])
}
