// The playground's own OpenID provider (authjs mode): test/oidc/provider.mjs on a fixed local port.
export const PLAYGROUND_OIDC_PORT = Number(process.env.PLAYGROUND_OIDC_PORT || 4010)
export const PLAYGROUND_OIDC_ISSUER = `http://127.0.0.1:${PLAYGROUND_OIDC_PORT}`
export const PLAYGROUND_OIDC_CLIENT = { id: 'gatekeeper-playground', secret: 'playground-only-secret-not-for-production' }
