import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { TestProject } from 'vitest/node'

const run = promisify(execFile)
const fixtureDir = fileURLToPath(new URL('../fixtures/local', import.meta.url))
const repoRoot = fileURLToPath(new URL('../..', import.meta.url))

declare module 'vitest' {
  export interface ProvidedContext {
    localBaseURL: string
  }
}

async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  return port
}

/** Builds the local fixture once and serves it on 127.0.0.1 for every e2e file. */
export default async function setup(project: TestProject) {
  await run('npx', ['nuxi', 'build', fixtureDir], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 })
  const port = await freePort()
  const server: ChildProcess = spawn(process.execPath, ['.output/server/index.mjs'], {
    cwd: fixtureDir,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', NITRO_HOST: '127.0.0.1', NITRO_PORT: String(port), NODE_ENV: 'production' },
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
    try {
      const response = await fetch(`${baseURL}/api/_test/counters`)
      if (response.ok) break
    }
    catch { /* not up yet */ }
    if (Date.now() > deadline || server.exitCode !== null) throw new Error(`The fixture server did not start:\n${output}`)
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  project.provide('localBaseURL', baseURL)
  return async () => {
    server.kill('SIGTERM')
  }
}
