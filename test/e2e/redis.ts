import { connect, createServer, type AddressInfo, type Socket } from 'node:net'

// The tests' Redis (REDIS_URL, or a private redis-server): scripts/redis.mjs, shared with the bench.
export { startRedis } from '../../scripts/redis.mjs'

/**
 * A TCP relay between the app servers and Redis that a test can cut: while cut, open connections are dropped and
 * new ones closed at once, as when Redis goes down or the network between them fails. Frozen, it passes nothing
 * on and closes nothing, as a network that loses packets without a word.
 */
export async function startRedisRelay(redisUrl: string) {
  const target = new URL(redisUrl)
  const sockets = new Set<Socket>()
  const pairs = new Set<[Socket, Socket]>()
  let cut = false
  let frozen = false
  const hold = ([client, upstream]: [Socket, Socket]) => {
    client.unpipe(upstream)
    upstream.unpipe(client)
    client.pause()
    upstream.pause()
  }
  const server = createServer((client) => {
    if (cut) return client.destroy()
    const upstream = connect({ host: target.hostname, port: Number(target.port || 6379) })
    const pair: [Socket, Socket] = [client, upstream]
    for (const socket of pair) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => {})
    }
    pairs.add(pair)
    client.pipe(upstream).pipe(client)
    if (frozen) hold(pair)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => {
      pairs.delete(pair)
      client.destroy()
    })
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
    freeze() {
      frozen = true
      for (const pair of pairs) hold(pair)
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
