// What the runner reads and calls in the browser: whether the app is hydrated, the variant's way to put a
// token into the app's auth state (to hand it an expired one, as after a laptop sleep), and its API fetch.
export default defineNuxtPlugin((nuxtApp) => {
  const adapter = useBenchAdapter()
  nuxtApp.hook('app:mounted', () => {
    Object.assign(window, { __bench: { hydrated: true, setToken: adapter.setToken, fetch: adapter.fetch } })
  })
})
