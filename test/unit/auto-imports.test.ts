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
  it('the app\'s own useAuthFetch and defineAbility stay the app\'s (defineAbility on the server too), with one build warning each; its own useAuth is replaced by the module\'s', async () => {
    const { stdout, stderr } = await run('npx', ['nuxi', 'prepare', appDir], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 })
    const table = readFileSync(`${appDir}/.nuxt/imports.d.ts`, 'utf8')
    expect(table).toMatch(/export \{ useAuthFetch \} from '\.\.\/app\/composables\/useAuthFetch'/)
    expect(table).toMatch(/export \{ defineAbility \} from '\.\.\/app\/composables\/defineAbility'/)
    expect(table).toMatch(/export \{ useAuth \} from '[^']*src\/runtime\/app\/composables\/useAuth'/)
    expect(table).toMatch(/export \{ useAuthState \} from '[^']*src\/runtime\/app\/composables\/useAuthState'/)
    // Nitro's table: the app's own server/utils helper of that name (Nitro warns about the duplicate and keeps it).
    const nitroTable = readFileSync(`${appDir}/.nuxt/types/nitro-imports.d.ts`, 'utf8')
    expect(nitroTable).toContain(`export { defineAbility } from '${appDir}/server/utils/defineAbility'`)
    const output = stdout + stderr
    const warnings = output.split('\n').filter(line => line.includes('a name the module auto-imports too'))
    expect(warnings.map(line => line.replace(/^.*\[nuxt-gatekeeper\]\s+(?:WARN\s+)?/, '').split(' exports ')[0]).sort()).toEqual(['app/composables/defineAbility.ts', 'app/composables/useAuthFetch.ts'])
  }, 120_000)
})
