import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'

export async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  return port
}

/**
 * Serves a built app (its `.output`) on 127.0.0.1 with `env`, once `readyPath` answers 2xx; returns its URL
 * and a stop function. Fails with the server's output when it does not come up.
 */
export async function serveBuilt(appDir: string, env: Record<string, string | undefined> = {}, { port: fixedPort, readyPath = '/', node = process.execPath }: { port?: number, readyPath?: string, node?: string } = {}) {
  const port = fixedPort ?? await freePort()
  const server: ChildProcess = spawn(node, ['.output/server/index.mjs'], {
    cwd: appDir,
    env: { ...process.env, NODE_ENV: 'production', ...env, PORT: String(port), HOST: '127.0.0.1', NITRO_HOST: '127.0.0.1', NITRO_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const collect = (chunk: Buffer) => {
    output += chunk
  }
  server.stdout?.on('data', collect)
  server.stderr?.on('data', collect)
  const baseURL = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    if (await fetch(`${baseURL}${readyPath}`).then(response => response.ok, () => false)) break
    if (Date.now() > deadline || server.exitCode !== null) {
      server.kill('SIGTERM')
      throw new Error(`${appDir} did not start on ${baseURL}:\n${output}`)
    }
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  return { baseURL, port, output: () => output, stop: () => void server.kill('SIGTERM') }
}
