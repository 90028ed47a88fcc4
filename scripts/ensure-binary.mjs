// What the ensure-* scripts share: a binary the tests need is found, or installed with apt as root on Debian, or
// the run stops saying how to get one. Tests never skip silently for want of it.
import { execSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/**
 * The binary's path, or the process exits non-zero with `missing` (how to get one). `install.inCI(path)`: true when,
 * under CI=true, the package is worth installing even though `path` was found (a lighter binary for the same tests);
 * if that install fails, the found one is used.
 * @param {{ tag: string, find: () => string | null, install: { message: string, command: string, inCI?: (path: string) => boolean }, missing: string }} binary
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
  const canInstall = isRoot && existsSync('/etc/debian_version')
  const run = () => execSync(install.command, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  if (!path && canInstall) {
    console.log(`[${tag}] ${install.message}`)
    try {
      run()
      path = found()
    }
    catch (error) {
      // Said below with how to get one, not as a stack trace.
      console.error(`[${tag}] the install failed: ${error.message.split('\n')[0]}`)
    }
  }
  else if (path && canInstall && process.env.CI && install.inCI?.(path)) {
    console.log(`[${tag}] CI: ${path} was found, and the package is better for the tests. ${install.message}`)
    try {
      run()
      path = found()
    }
    catch (error) {
      console.warn(`[${tag}] the install failed (${error.message.split('\n')[0]}): the tests use ${path}`)
    }
  }
  if (!path) {
    console.error(`[${tag}] ${missing}`)
    process.exit(1)
  }
  console.log(`[${tag}] using ${path}`)
  return path
}
