// Finds valgrind for the bench's instruction counts (bench/lib/instructions.mjs) and their unit test, as the tests
// find Chromium and Redis: VALGRIND (a path), else `valgrind` on the PATH, else Debian's package installed with apt
// when running as root, else an error saying how to get it. Nothing skips silently.
import { execFileSync, execSync } from 'node:child_process'
import { existsSync } from 'node:fs'

function onPath(command) {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' })
    return true
  }
  catch {
    return false
  }
}

export function findValgrind() {
  if (process.env.VALGRIND) {
    if (!onPath(process.env.VALGRIND)) throw new Error(`VALGRIND=${process.env.VALGRIND} does not run (\`${process.env.VALGRIND} --version\` failed).`)
    return process.env.VALGRIND
  }
  if (onPath('valgrind')) return 'valgrind'
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (isRoot && existsSync('/etc/debian_version')) {
    process.stdout.write('  no valgrind found; installing Debian\'s valgrind with apt…\n')
    execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind', { stdio: 'inherit' })
    if (onPath('valgrind')) return 'valgrind'
  }
  throw new Error(`The bench counts instructions per SSR view with valgrind, and none was found.
  - Debian/Ubuntu: sudo apt-get install -y valgrind
  - macOS: valgrind does not run there; run the bench on Linux
  - or point VALGRIND at a valgrind binary: VALGRIND=/path/to/valgrind npm test`)
}
