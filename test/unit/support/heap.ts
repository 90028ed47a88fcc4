import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

// For tests of what code keeps alive: the heap still reachable, after full collections. V8 hands out `gc` only
// with --expose-gc; setting the flag at run time and taking the function from a fresh context gives it to this
// worker alone, without changing how every other test runs.
setFlagsFromString('--expose-gc')
const collectGarbage = runInNewContext('gc') as () => void

/** Bytes of heap in use after two full collections (the second frees what the first's finalisers let go). */
export function reachableHeapBytes(): number {
  collectGarbage()
  collectGarbage()
  return process.memoryUsage().heapUsed
}
