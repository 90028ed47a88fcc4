import { afterEach, beforeEach, vi, type MockInstance } from 'vitest'

// The nuxt tier's counterpart of the e2e tier's console watch: a console.error or console.warn during a test (a Vue
// warning, a hydration error, the module's own "auth:error hook threw") fails it.
const unexpected: string[] = []
const spies: MockInstance[] = []

beforeEach(() => {
  unexpected.length = 0
  for (const level of ['error', 'warn'] as const) {
    spies.push(vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      unexpected.push(`console.${level}: ${args.map(arg => arg instanceof Error ? `${arg.message}\n${arg.stack}` : String(arg)).join(' ')}`)
    }))
  }
})

afterEach(() => {
  for (const spy of spies.splice(0)) spy.mockRestore()
  if (unexpected.length > 0) throw new Error(`Unexpected console output during the test:\n${unexpected.join('\n')}`)
})
