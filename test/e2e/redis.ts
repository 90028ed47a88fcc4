import { connect, createServer, type AddressInfo, type Socket } from 'node:net'

// The tests' Redis (REDIS_URL, or a private redis-server): scripts/redis.mjs, shared with the bench.
export { startRedis } from '../../scripts/redis.mjs'

/**
 * A TCP relay between the app servers and Redis that a test can cut: while cut, open connections are dropped and
 * new ones closed at once, as when Redis goes down or the network between them fails.
 */
export async function startRedisRelay(redisUrl: string) {
  const target = new URL(redisUrl)
  const sockets = new Set<Socket>()
  let cut = false
  const server = createServer((client) => {
    if (cut) return client.destroy()
    const upstream = connect({ host: target.hostname, port: Number(target.port || 6379) })
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => {})
    }
    client.pipe(upstream).pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const url = new URL(redisUrl)
  url.hostname = '127.0.0.1'
  url.port = String(port)
  return {
    url: url.href.replace(/\/$/, ''),
    cut() {
      cut = true
      for (const socket of sockets) socket.destroy()
    },
    restore() {
      cut = false
    },
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resolve())
    }),
  }
}
