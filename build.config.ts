import { defineBuildConfig } from 'unbuild'

export default defineBuildConfig({
  // The compiled providers are imported by dist/module.mjs at run time, not bundled into it.
  externals: ['./providers/index.mjs'],
  entries: [
    // Providers ship compiled next to dist/runtime: the module reads their definitions at build time of the
    // app, and the app compiles the configured provider's client strategy.
    { input: 'providers/', outDir: 'dist/providers', builder: 'mkdist', declaration: true },
  ],
  hooks: {
    async 'build:done'() {
      // Provider sources reach the runtime as ../src/runtime; in dist it sits at ../runtime.
      const { readdir, readFile, writeFile } = await import('node:fs/promises')
      const dir = new URL('./dist/providers/', import.meta.url)
      for (const entry of await readdir(dir, { recursive: true })) {
        if (!/\.(?:d\.ts|d\.mts|mjs)$/.test(entry)) continue
        const file = new URL(entry, dir)
        const text = await readFile(file, 'utf8')
        const fixed = text.replace(/(['"])((?:\.\.\/)+)src\/runtime\//g, '$1$2runtime/')
        if (fixed !== text) await writeFile(file, fixed)
      }
      // dist/module.d.mts imports './providers/index.mjs', whose types TypeScript looks for in index.d.mts;
      // mkdist writes index.d.ts. Without this, every option under `auth.provider` would be typed `any`.
      await writeFile(new URL('index.d.mts', dir), `export * from './index.js'\n`)
    },
    'rollup:options'(_context, options) {
      // src/module.ts imports ../providers; in dist the compiled copy sits at ./providers.
      const plugins = Array.isArray(options.plugins) ? options.plugins : []
      options.plugins = [{
        name: 'gatekeeper:providers',
        resolveId(id: string) {
          if (id === '../providers') return { id: './providers/index.mjs', external: true }
          return null
        },
      }, ...plugins]
    },
  },
})
