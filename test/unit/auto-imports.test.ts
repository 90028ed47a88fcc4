import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const appDir = fileURLToPath(new URL('./fixtures/own-auth-fetch', import.meta.url))
const repoRoot = fileURLToPath(new URL('../..', import.meta.url))

// A module's auto-import outranks the app's own composables in Nuxt. The module's names the incumbent did not have
// (useAuthFetch, defineAbility) must not take over an app's own of that name; useAuth and useAuthState are the
// module's, as they were the incumbent's. `nuxi prepare` writes the app's auto-import table as Nuxt resolved it.
describe('auto-imports beside an app\'s own composable of the same name', () => {
  it('the app\'s own useAuthFetch stays the app\'s, with a build warning; useAuth stays the module\'s', async () => {
    const { stdout, stderr } = await run('npx', ['nuxi', 'prepare', appDir], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 })
    const table = readFileSync(`${appDir}/.nuxt/imports.d.ts`, 'utf8')
    expect(table).toMatch(/export \{ useAuthFetch \} from '\.\.\/app\/composables\/useAuthFetch'/)
    expect(table).toMatch(/export \{ useAuth \} from '[^']*src\/runtime\/app\/composables\/useAuth'/)
    expect(table).toMatch(/export \{ defineAbility \} from '[^']*src\/runtime\/core\/ability'/)
    expect(stdout + stderr).toContain('app/composables/useAuthFetch.ts exports useAuthFetch, a name the module auto-imports too: the app\'s own is used')
  }, 120_000)
})
