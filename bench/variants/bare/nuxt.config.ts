// No auth module: the baseline for client JS and SSR throughput.
export default defineNuxtConfig({ extends: ['../../base'] })
