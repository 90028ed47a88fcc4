// Finds a redis-server for the session tests: REDIS_SERVER_PATH, Debian's redis-server, or one on the PATH.
// (With REDIS_URL set, the tests use that server instead and start none.)
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const CANDIDATES = ['/usr/bin/redis-server', '/usr/local/bin/redis-server', '/opt/homebrew/bin/redis-server']

export function findRedisServer() {
  const fromEnv = process.env.REDIS_SERVER_PATH
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`REDIS_SERVER_PATH is set to ${fromEnv}, but no file is there`)
    return fromEnv
  }
  const known = CANDIDATES.find(path => existsSync(path))
  if (known) return known
  try {
    return execFileSync('which', ['redis-server'], { encoding: 'utf8' }).trim() || null
  }
  catch {
    return null
  }
}
