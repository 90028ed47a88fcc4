// The app every variant builds: the same pages and the same backend routes; a variant adds only its auth
// module (or none) and the few lines that differ (app/composables in each variant).
export default defineNuxtConfig({
  devtools: { enabled: false },
  app: { head: { title: 'bench', htmlAttrs: { lang: 'en' } } },
  // Source maps written beside the client chunks but not referenced by them (the JS the browser loads is the same):
  // the report's "client JS per part" attributes each chunk's bytes to its sources (scripts/client-parts.mjs).
  sourcemap: { client: 'hidden' },
  compatibilityDate: '2025-07-15',
  telemetry: false,
})
