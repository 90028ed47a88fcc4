// Makes sure the session tests have Redis. They never skip silently: REDIS_URL names a server to use, or a
// redis-server is found (or installed with apt as root on Debian) for the tests to start on a free port, or this
// exits non-zero saying how to get one.
import { execSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { findRedisServer } from './redis.mjs'

if (process.env.REDIS_URL) {
  console.log(`[ensure-redis] using REDIS_URL (${process.env.REDIS_URL.replace(/\/\/[^@]*@/, '//…@')})`)
  process.exit(0)
}
let path
try {
  path = findRedisServer()
}
catch (error) {
  // REDIS_SERVER_PATH names a file that is not there: said plainly, with how to fix it.
  console.error(`[ensure-redis] ${error.message}: point it at the binary, or unset it to use the one found on this machine.`)
  process.exit(1)
}
if (!path) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (isRoot && existsSync('/etc/debian_version')) {
    console.log('[ensure-redis] No redis-server found; installing Debian\'s redis-server with apt…')
    execSync('(apt-get install -y -qq redis-server || (apt-get update -qq && apt-get install -y -qq redis-server)) && (service redis-server stop || true)', { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
    path = findRedisServer()
  }
}
if (!path) {
  console.error(`[ensure-redis] The session tests need Redis, and no redis-server was found.
  - Debian/Ubuntu: sudo apt-get install -y redis-server
  - macOS: brew install redis
  - or point REDIS_URL at a Redis server the tests may use: REDIS_URL=redis://127.0.0.1:6379 npm test
    (or REDIS_SERVER_PATH at a redis-server binary)`)
  process.exit(1)
}
console.log(`[ensure-redis] using ${path}`)
