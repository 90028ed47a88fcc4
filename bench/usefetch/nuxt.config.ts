// A layer with one more page, which loads its data with useFetch as most Nuxt apps do. Each variant's
// `with-usefetch` build extends the variant and this layer: what an auth module adds to an app that already loads
// Nuxt's data-fetching composables (the incumbent's runtime uses them, nuxt-gatekeeper's does not). Built for the
// client bytes only.
export default defineNuxtConfig({})
