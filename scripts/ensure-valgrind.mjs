// Makes sure the bench's instruction-count test (test/unit/bench-instructions.test.ts) has valgrind: found, or
// installed with apt as root on Debian, or this exits non-zero saying how to get it.
import { findValgrind } from './valgrind.mjs'

try {
  console.log(`[ensure-valgrind] using ${findValgrind()}`)
}
catch (error) {
  console.error(`[ensure-valgrind] ${error.message}`)
  process.exit(1)
}
