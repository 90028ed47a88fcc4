// This variant plus a page that calls useFetch (bench/usefetch): its client bytes in an app that already loads
// Nuxt's data-fetching composables.
export default defineNuxtConfig({ extends: ['..', '../../../usefetch'] })
