// Makes sure the session tests have Redis: REDIS_URL names a server to use, or a redis-server is found (or
// installed with apt as root on Debian) for the tests to start on a free port, or this exits non-zero saying how
// to get one.
import { ensureBinary } from './ensure-binary.mjs'
import { findRedisServer } from './redis.mjs'

if (process.env.REDIS_URL) {
  console.log(`[ensure-redis] using REDIS_URL (${process.env.REDIS_URL.replace(/\/\/[^@]*@/, '//…@')})`)
}
else {
  ensureBinary({
    tag: 'ensure-redis',
    find: findRedisServer,
    // Installed to be started by the tests on a free port: Debian's service is stopped again.
    install: { message: 'No redis-server found; installing Debian\'s redis-server with apt…', command: '(apt-get install -y -qq redis-server || (apt-get update -qq && apt-get install -y -qq redis-server)) && (service redis-server stop || true)' },
    missing: `The session tests need Redis, and no redis-server was found.
  - Debian/Ubuntu: sudo apt-get install -y redis-server
  - macOS: brew install redis
  - or point REDIS_URL at a Redis server the tests may use: REDIS_URL=redis://127.0.0.1:6379 npm test
    (or REDIS_SERVER_PATH at a redis-server binary)`,
  })
}
