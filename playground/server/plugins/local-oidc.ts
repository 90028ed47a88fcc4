// authjs mode only: a real OpenID provider on 127.0.0.1, with the test users (alice / alice-password,
// bob / bob-password), so the whole OAuth code flow can be clicked through offline.
export default defineNitroPlugin(async () => {
  if (process.env.PLAYGROUND_PROVIDER !== 'authjs') return
  // Loaded only in this mode: the other modes (and the test fixtures built on the playground) never start it.
  const { startOidcProvider, testClient } = await import('../../../test/oidc/provider.mjs')
  const state = globalThis as { __playgroundOidc?: Promise<unknown> }
  // Dev-server reloads run plugins again in the same process: one provider is enough.
  state.__playgroundOidc ??= startOidcProvider({
    port: PLAYGROUND_OIDC_PORT,
    clients: [testClient(
      ['http://localhost:3000', 'http://127.0.0.1:3000'].map(origin => `${origin}/api/authjs/callback/local-oidc`),
      { client_id: PLAYGROUND_OIDC_CLIENT.id, client_secret: PLAYGROUND_OIDC_CLIENT.secret },
    )],
  }).then((provider) => {
    console.info(`[playground] local OpenID provider at ${provider.issuer} (users: alice / alice-password, bob / bob-password)`)
    return provider
  }, (error: Error) => {
    console.error(`[playground] could not start the local OpenID provider on port ${PLAYGROUND_OIDC_PORT} (${error.message}); set PLAYGROUND_OIDC_PORT`)
  })
  await state.__playgroundOidc
})
