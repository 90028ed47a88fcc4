import { createConfigForNuxt } from '@nuxt/eslint-config/flat'

export default createConfigForNuxt({
  features: {
    tooling: true,
    stylistic: true,
  },
  dirs: {
    src: ['./playground/app', './test/fixtures/local/app', './test/fixtures/refresh/app', './test/fixtures/packaged/app', './bench/base/app', './bench/variants/bare/app', './bench/variants/gatekeeper-refresh/app', './bench/variants/sidebase-refresh/app', './bench/authjs/app', './test/fixtures/authjs/app', './test/fixtures/sidebase-local', './test/fixtures/sidebase-listed'],
  },
}).append({
  ignores: ['dist', 'node_modules', '**/.nuxt', '**/.output', '**/.data', 'docs/.vitepress/cache', 'docs/.vitepress/dist', 'bench/.cache', 'bench/results'],
})
