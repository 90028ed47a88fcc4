import { defineBuildConfig } from 'unbuild'

export default defineBuildConfig({
  entries: [
    // Providers ship compiled next to dist/runtime: the module reads their definitions at build time of the
    // app, and the app compiles the configured provider's client strategy.
    { input: 'providers/', outDir: 'dist/providers', builder: 'mkdist', declaration: true },
  ],
  hooks: {
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
