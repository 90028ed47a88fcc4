// The app every variant builds: the same pages and the same backend routes; a variant adds only its auth
// module (or none) and the few lines that differ (app/composables in each variant).
export default defineNuxtConfig({
  devtools: { enabled: false },
  app: { head: { title: 'bench', htmlAttrs: { lang: 'en' } } },
  compatibilityDate: '2025-07-15',
  telemetry: false,
})
