import { fileURLToPath } from 'node:url'
import { defineVitestProject } from '@nuxt/test-utils/config'
import { defineConfig } from 'vitest/config'

const coreAlias = {
  '#auth-core': fileURLToPath(new URL('./src/runtime/core/index.ts', import.meta.url)),
  '#gatekeeper-features': fileURLToPath(new URL('./test/unit/stubs/gatekeeper-features.ts', import.meta.url)),
  '#gatekeeper-config': fileURLToPath(new URL('./test/unit/stubs/gatekeeper-config.ts', import.meta.url)),
  '#gatekeeper-server-config': fileURLToPath(new URL('./test/unit/stubs/gatekeeper-server-config.ts', import.meta.url)),
  '#imports': fileURLToPath(new URL('./test/unit/stubs/imports.ts', import.meta.url)),
  '#auth-server': fileURLToPath(new URL('./src/runtime/server/index.ts', import.meta.url)),
  '#gatekeeper-roles': fileURLToPath(new URL('./test/unit/stubs/gatekeeper-roles.ts', import.meta.url)),
  // The provider a build generates; the local one for units that load the relay.
  '#auth-provider': fileURLToPath(new URL('./providers/local/client.ts', import.meta.url)),
}

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias: coreAlias },
        // App-layer units (refresher, scheduling, tab lock) run as the browser build would.
        define: { 'import.meta.client': 'true', 'import.meta.server': 'false' },
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        resolve: { alias: coreAlias },
        // Server-side units as Nitro builds them (code that branches on import.meta.client takes its server path).
        define: { 'import.meta.client': 'false', 'import.meta.server': 'true' },
        test: { name: 'server', include: ['test/server/**/*.test.ts'], environment: 'node' },
      },
      {
        resolve: { alias: coreAlias },
        // Server-side units of development-only code (the DevTools tab's log of a render): as Nitro builds it in `nuxi dev`.
        define: { 'import.meta.client': 'false', 'import.meta.server': 'true', 'import.meta.dev': 'true' },
        test: { name: 'server-dev', include: ['test/server-dev/**/*.test.ts'], environment: 'node' },
      },
      {
        // Loads a real Nuxt with the module (no build): what setup() wires, and how bad options fail.
        test: { name: 'module', include: ['test/module/**/*.test.ts'], environment: 'node', testTimeout: 60_000 },
      },
      await defineVitestProject({
        test: {
          name: 'nuxt',
          include: ['test/nuxt/**/*.test.ts'],
          // A console error or warning fails the test (test/nuxt/console-guard.ts).
          setupFiles: ['test/nuxt/console-guard.ts'],
          environment: 'nuxt',
          environmentOptions: {
            nuxt: { rootDir: fileURLToPath(new URL('./test/fixtures/local', import.meta.url)), domEnvironment: 'happy-dom' },
          },
        },
      }),
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          // Built fixtures are shared by all e2e files (one build per fixture, see test/e2e/global-setup.ts).
          globalSetup: ['test/e2e/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
})
