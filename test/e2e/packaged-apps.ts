import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { appCommandEnv } from './serve'

// What npm ships, as a user gets it: the module is built and packed, and the tarball is installed with npm's
// own resolution into fresh apps outside this repository (test/fixtures/packaged: the README's quick start
// with the copy-paste backend), one per cell of the compatibility matrix. The e2e global set-up starts this
// in the background (installs are mostly network and disk, the fixture builds CPU); test/e2e/packaged.test.ts
// waits for each app's marker file. Work-arounds for upstream breakage go into the test app, never the module.
export interface Cell {
  node: 20 | 22
  nuxt: string
  /** npm overrides the test app needs with this Nuxt (see ../shared/TOOLCHAIN.md). */
  overrides?: Record<string, string>
  /** The full checks (packed files, types with vue-tsc) run once, in the main cell. */
  main?: boolean
}
export const CELLS: Cell[] = [
  { node: 20, nuxt: '4.4.5', main: true },
  // Nuxt 4.5 declares Node ^22.19; vite 8.4.0 (rolldown 1.3.3) breaks `nuxi build` for any app on it.
  { node: 22, nuxt: '4.5.2', overrides: { vite: '8.3.8' } },
  { node: 22, nuxt: '3.21.11' },
]
const NODE_22 = '22.23.3'

/** What the preparation leaves for the test: per cell `<id>.json`, and `packed.json`. */
export type Prepared = { appDir: string, node: string } | { error: string }
export const cellId = (cell: Cell) => `nuxt-${cell.nuxt}-node-${cell.node}`

const run = promisify(execFile)
const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const fixtureDir = fileURLToPath(new URL('../fixtures/packaged', import.meta.url))
const big = { maxBuffer: 64 * 1024 * 1024 }

/** Runs a command with `node` first on PATH (npm, nuxi and vue-tsc then run on that Node), as a user would (appCommandEnv). */
export async function runWith(node: string, command: string, args: string[], cwd: string) {
  try {
    return await run(command, args, { cwd, env: appCommandEnv(node), ...big })
  }
  catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string, stderr?: string }
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`, { cause: error })
  }
}

async function pack(workDir: string) {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', workDir], { cwd: repoRoot, ...big })
  const [info] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string, files: Array<{ path: string }> }>
  return { tarball: join(workDir, info!.filename), files: info!.files.map(file => file.path) }
}

/** Node 22 from the npm registry (the `node` package), kept between local runs. */
async function installNode22(): Promise<string> {
  const prefix = join(repoRoot, 'node_modules', '.cache', `gatekeeper-node-${NODE_22}`)
  const binary = join(prefix, 'node_modules', 'node', 'bin', 'node')
  if (!existsSync(binary)) {
    mkdirSync(prefix, { recursive: true })
    await run('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', `node@${NODE_22}`], big)
  }
  return binary
}

/** A fresh app with this cell's Nuxt and the tarball, installed by npm. */
async function install(cell: Cell, workDir: string, tarball: string, node: string): Promise<string> {
  const appDir = join(workDir, cellId(cell))
  for (const entry of ['app', 'server', 'nuxt.config.ts']) cpSync(join(fixtureDir, entry), join(appDir, entry), { recursive: true })
  writeFileSync(join(appDir, 'package.json'), JSON.stringify({
    name: 'gatekeeper-test-app',
    private: true,
    type: 'module',
    dependencies: { 'nuxt': cell.nuxt, 'nuxt-gatekeeper': `file:${tarball}`, 'jose': '^6.2.17' },
    // What a TypeScript app has, for the type check: node types for its server code too.
    devDependencies: cell.main ? { 'vue-tsc': '^3.3.14', 'typescript': '5.9.3', '@types/node': '^20.19.0' } : {},
    overrides: cell.overrides ?? {},
  }, null, 2))
  try {
    await runWith(node, 'npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], appDir)
  }
  catch (error) {
    // --prefer-offline trusts npm's cached metadata, and one package's can predate a release that another's fresh
    // metadata already asks for (vue 3.5.46 wanted @vue/compiler-dom 3.5.46, which the cached copy lacked: ETARGET).
    // Once more with the metadata fetched again; any other failure stands.
    if (!(error instanceof Error && error.message.includes('ETARGET'))) throw error
    await runWith(node, 'npm', ['install', '--no-audit', '--no-fund', '--prefer-online'], appDir)
  }
  return appDir
}

/** Packs, fetches Node 22 and installs every cell's app (all at once); each outcome lands in a marker file. */
export async function preparePackagedApps(workDir: string): Promise<void> {
  const settle = (name: string, outcome: object) => writeFileSync(join(workDir, `${name}.json`), JSON.stringify(outcome))
  const failed = (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) })
  const packed = pack(workDir)
  const node22 = installNode22()
  await Promise.all([
    packed.then(({ files }) => settle('packed', { files }), error => settle('packed', failed(error))),
    ...CELLS.map(async (cell) => {
      try {
        const node = cell.node === 20 ? process.execPath : await node22
        settle(cellId(cell), { appDir: await install(cell, workDir, (await packed).tarball, node), node })
      }
      catch (error) {
        settle(cellId(cell), failed(error))
      }
    }),
  ])
}
