// What the ensure-* scripts share: a binary the tests need is found, or installed with apt as root on Debian, or
// the run stops saying how to get one. Tests never skip silently for want of it.
import { execSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/**
 * The binary's path, or the process exits non-zero with `missing` (how to get one).
 * @param {{ tag: string, find: () => string | null, install: { message: string, command: string }, missing: string }} binary
 */
export function ensureBinary({ tag, find, install, missing }) {
  const found = () => {
    try {
      return find()
    }
    catch (error) {
      // The override variable names a file that is not there: said plainly, with how to fix it.
      console.error(`[${tag}] ${error.message}: point it at the binary, or unset it to use the one found on this machine.`)
      process.exit(1)
    }
  }
  let path = found()
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (!path && isRoot && existsSync('/etc/debian_version')) {
    console.log(`[${tag}] ${install.message}`)
    execSync(install.command, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
    path = found()
  }
  if (!path) {
    console.error(`[${tag}] ${missing}`)
    process.exit(1)
  }
  console.log(`[${tag}] using ${path}`)
  return path
}
