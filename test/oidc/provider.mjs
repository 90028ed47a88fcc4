// Test OpenID Provider for the nuxt-gatekeeper `authjs` provider.
//
// oidc-provider@9.13.3 on plain http://127.0.0.1:<port>, with
//   - one confidential client (client_secret_basic, code flow, PKCE required)
//   - a small in-memory account store (findAccount)
//   - custom interactions: a real login form that checks a password, then the
//     built-in `consent` prompt rendered by our own consent page
//   - no console output on normal operation (see NOTES.md, "oidc-provider")
import http from 'node:http'
import { randomBytes } from 'node:crypto'
import { generateKeyPair, exportJWK } from 'jose'

export const TEST_CLIENT_ID = 'gatekeeper-test'
export const TEST_CLIENT_SECRET = 'gatekeeper-test-secret-0123456789abcdef'

/** accountId -> { password, email, name, email_verified }; the accountId is the `sub`. */
export const TEST_ACCOUNTS = {
  alice: { password: 'alice-password', email: 'alice@example.test', name: 'Alice Example', email_verified: true },
  bob: { password: 'bob-password', email: 'bob@example.test', name: 'Bob Example', email_verified: false },
}

/** Client metadata for the test client; only redirect_uris is caller specific. */
export function testClient(redirectUris, extra = {}) {
  return {
    client_id: TEST_CLIENT_ID,
    client_secret: TEST_CLIENT_SECRET,
    redirect_uris: redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    // Auth.js (@auth/core 0.41.3) uses client_secret_basic when provider.client.token_endpoint_auth_method
    // is undefined (lib/actions/callback/oauth/callback.js:60-68). oidc-provider's default is the same.
    token_endpoint_auth_method: 'client_secret_basic',
    ...extra,
  }
}

// ---------------------------------------------------------------------------
// oidc-provider prints `oidc-provider WARNING: Unsupported runtime. Use Node.js v22.x LTS, or a later
// LTS release.` from lib/index.js:7-11 when it is *imported* on Node < 22 (process.release.lts < 'Jod').
// There is no option for it; it runs once at module evaluation. We swallow exactly that one line.
let ProviderPromise
function loadProvider() {
  ProviderPromise ??= (async () => {
    const warn = console.warn
    console.warn = (...args) => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) return
      warn.apply(console, args)
    }
    try {
      return (await import('oidc-provider')).default
    }
    finally {
      console.warn = warn
    }
  })()
  return ProviderPromise
}

// ---------------------------------------------------------------------------
// A tiny per-instance in-memory adapter. Passing our own adapter silences the
// "quick start development-only in-memory adapter" warning (lib/helpers/initialize_adapter.js:11),
// and unlike the built-in MemoryAdapter (module-global storage) each provider instance gets its own store.
function createAdapterFactory() {
  const store = new Map() // key -> { payload, exp }
  const get = (key) => {
    const e = store.get(key)
    if (!e) return undefined
    if (e.exp && e.exp < Date.now()) {
      store.delete(key)
      return undefined
    }
    return e.payload
  }
  const set = (key, payload, expiresIn) => store.set(key, { payload, exp: expiresIn ? Date.now() + expiresIn * 1000 : 0 })
  return model => ({
    async upsert(id, payload, expiresIn) {
      set(`${model}:${id}`, payload, expiresIn)
      if (model === 'Session') set(`sessionUid:${payload.uid}`, id, expiresIn)
      if (payload.userCode) set(`userCode:${payload.userCode}`, id, expiresIn)
      if (payload.grantId) {
        const k = `grant:${payload.grantId}`
        set(k, [...(get(k) ?? []), `${model}:${id}`])
      }
    },
    async find(id) { return get(`${model}:${id}`) },
    async findByUid(uid) {
      const id = get(`sessionUid:${uid}`)
      return id ? get(`${model}:${id}`) : undefined
    },
    async findByUserCode(code) {
      const id = get(`userCode:${code}`)
      return id ? get(`${model}:${id}`) : undefined
    },
    async consume(id) {
      const p = get(`${model}:${id}`)
      if (p) p.consumed = Math.floor(Date.now() / 1000)
    },
    async destroy(id) { store.delete(`${model}:${id}`) },
    async revokeByGrantId(grantId) {
      for (const k of get(`grant:${grantId}`) ?? []) store.delete(k)
      store.delete(`grant:${grantId}`)
    },
  })
}

// ---------------------------------------------------------------------------
const esc = s => String(s).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;' }[c]))
const page = (title, body) => `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${esc(title)}</title></head>
<body><main><h1>${esc(title)}</h1>${body}</main></body></html>`

function loginPage({ uid, clientId, login = '', error }) {
  return page('Sign in to Test OIDC', `
<p>Client <code>${esc(clientId)}</code> wants you to sign in.</p>
${error ? `<p role="alert" class="error">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
  <label>Username or email <input name="login" value="${esc(login)}" required autofocus></label>
  <label>Password <input name="password" type="password" required></label>
  <button type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${esc(uid)}/abort"><button type="submit">Cancel</button></form>`)
}

function consentPage({ uid, clientId, accountId, details }) {
  const scopes = details.missingOIDCScope ?? []
  const claims = details.missingOIDCClaims ?? []
  return page('Authorize Test App', `
<p>Signed in as <strong>${esc(accountId)}</strong>.</p>
<p>Client <code>${esc(clientId)}</code> is requesting:</p>
<ul class="scopes">${scopes.map(s => `<li>${esc(s)}</li>`).join('')}${claims.map(c => `<li>claim: ${esc(c)}</li>`).join('')}</ul>
<form method="post" action="/interaction/${esc(uid)}/confirm"><button type="submit">Allow</button></form>
<form method="post" action="/interaction/${esc(uid)}/abort"><button type="submit">Deny</button></form>`)
}

async function readForm(req, limit = 64 * 1024) {
  let body = ''
  for await (const chunk of req) {
    body += chunk
    if (body.length > limit) throw new Error('body too large')
  }
  return Object.fromEntries(new URLSearchParams(body))
}

function send(res, status, html) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(html),
  })
  res.end(html)
}

function findByLogin(accounts, login) {
  if (Object.hasOwn(accounts, login)) return [login, accounts[login]]
  const needle = String(login).toLowerCase()
  return Object.entries(accounts).find(([, a]) => a.email?.toLowerCase() === needle) ?? []
}

/**
 * Start oidc-provider on 127.0.0.1.
 * @param {object} opts
 * @param {number} [opts.port] 0 = random free port
 * @param {object[]} opts.clients client metadata (see testClient())
 * @param {Record<string, {password:string,email?:string,name?:string,email_verified?:boolean}>} [opts.accounts]
 * @param {boolean} [opts.autoConsent] skip the consent prompt by pre-creating a Grant (loadExistingGrant)
 * @param {(name:string, ...args:any[]) => void} [opts.onEvent] receives oidc-provider error events (debugging)
 * @param {object} [opts.config] extra oidc-provider configuration, shallow-merged last (escape hatch for experiments)
 * @returns {Promise<{ issuer: string, port: number, provider: import('oidc-provider').default, close(): Promise<void> }>} the running provider: its issuer URL, port and instance, and how to stop it
 */
export async function startOidcProvider({ port = 0, clients, accounts = TEST_ACCOUNTS, autoConsent = false, onEvent, config: extraConfig = {} } = {}) {
  if (!Array.isArray(clients) || !clients.length) throw new TypeError('startOidcProvider: `clients` is required')
  const Provider = await loadProvider()

  // Listen first: with port 0 the issuer (which contains the port) is only known afterwards.
  const server = http.createServer()
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const actualPort = server.address().port
  const issuer = `http://127.0.0.1:${actualPort}`

  // Own signing key => no "quick start development-only signing keys" warning
  // (lib/helpers/initialize_keystore.js:283-287). RS256 because that is the default
  // id_token_signed_response_alg of clients (and what oauth4webapi assumes when absent).
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  const jwk = { ...(await exportJWK(privateKey)), use: 'sig', alg: 'RS256' }

  const configuration = {
    adapter: createAdapterFactory(),
    clients,
    jwks: { keys: [jwk] },
    cookies: {
      // Signs _session / _interaction / _interaction_resume (adds *.sig cookies via Koa/keygrip).
      keys: [randomBytes(32).toString('base64url')],
      // No `secure` here: oidc-provider sets Secure only when ctx.secure (https or proxy + X-Forwarded-Proto),
      // see lib/helpers/oidc_context.js:41 and lib/models/session.js:53. Plain http just works.
    },
    features: {
      devInteractions: { enabled: false }, // we render our own login / consent pages
      // userinfo, rpInitiatedLogout, etc. keep their defaults (enabled).
    },
    pkce: { required: () => true }, // default only requires PKCE for public clients / FAPI 2.0
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    // Put the scope claims (email, name, ...) into the ID Token of the code flow too. Auth.js builds the
    // profile from the ID Token claims (lib/actions/callback/oauth/callback.js:167-169) and does not call
    // userinfo for type "oidc" unless `idToken: false`.
    conformIdTokenClaims: false,
    async findAccount(ctx, sub) {
      const account = Object.hasOwn(accounts, sub) ? accounts[sub] : undefined
      if (!account) return undefined
      return {
        accountId: sub,
        async claims() {
          return { sub, email: account.email, email_verified: account.email_verified ?? false, name: account.name }
        },
      }
    },
    interactions: {
      url: (ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    // Numbers instead of the default functions => no "default ttl.X function called, you SHOULD change it" notices.
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      DeviceCode: 600,
      BackchannelAuthenticationRequest: 600,
      IdToken: 3600,
      Interaction: 3600,
      PreAuthorizedCode: 600,
      RefreshToken: 86400,
      Session: 86400,
      Grant: 86400,
    },
    // Replace the other "SHOULD change" defaults that could be hit by a browser test.
    clientBasedCORS: () => false,
    async renderError(ctx, out) {
      ctx.type = 'html'
      ctx.body = page('OP error', `<pre class="error">${esc(out.error)}: ${esc(out.error_description ?? '')}</pre>`)
    },
    ...(autoConsent && {
      // Auto-consent for first-party clients: create/extend the Grant instead of prompting.
      async loadExistingGrant(ctx) {
        const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId)
        if (grantId) return ctx.oidc.provider.Grant.find(grantId)
        const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId })
        grant.addOIDCScope('openid email profile')
        await grant.save()
        return grant
      },
    }),
    ...extraConfig,
  }

  const provider = new Provider(issuer, configuration)
  if (onEvent) {
    for (const ev of ['server_error', 'authorization.error', 'grant.error', 'userinfo.error', 'interaction.error']) {
      provider.on(ev, (...args) => onEvent(ev, ...args.slice(1)))
    }
  }
  const oidcCallback = provider.callback()

  async function interactions(req, res, uid, action) {
    let details
    try {
      details = await provider.interactionDetails(req, res)
    }
    catch (err) {
      // e.g. SessionNotFound: interaction cookie missing/expired
      return send(res, 400, page('Interaction error', `<p class="error">${esc(err.message)}</p>`))
    }
    if (details.uid !== uid) return send(res, 400, page('Interaction error', '<p class="error">interaction mismatch</p>'))
    const { prompt, params, session } = details
    const clientId = params.client_id

    if (req.method === 'GET' && !action) {
      if (prompt.name === 'login') return send(res, 200, loginPage({ uid, clientId }))
      if (prompt.name === 'consent') return send(res, 200, consentPage({ uid, clientId, accountId: session?.accountId, details: prompt.details }))
      return send(res, 501, page('Not implemented', `<p>prompt ${esc(prompt.name)}</p>`))
    }
    if (req.method !== 'POST') return send(res, 405, page('Method not allowed', ''))

    const form = await readForm(req)
    if (action === 'login') {
      if (prompt.name !== 'login') return send(res, 400, page('Interaction error', '<p class="error">not a login prompt</p>'))
      const [accountId, account] = findByLogin(accounts, form.login ?? '')
      if (!account || account.password !== form.password) {
        return send(res, 401, loginPage({ uid, clientId, login: form.login ?? '', error: 'Invalid username or password.' }))
      }
      return provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false })
    }
    if (action === 'confirm') {
      if (prompt.name !== 'consent') return send(res, 400, page('Interaction error', '<p class="error">not a consent prompt</p>'))
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: session.accountId, clientId })
      const d = prompt.details
      if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '))
      if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims)
      if (d.missingResourceScopes) {
        for (const [indicator, scopes] of Object.entries(d.missingResourceScopes)) grant.addResourceScope(indicator, scopes.join(' '))
      }
      const grantId = await grant.save()
      return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true })
    }
    if (action === 'abort') {
      return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'End-User aborted interaction' }, { mergeWithLastSubmission: false })
    }
    return send(res, 404, page('Not found', ''))
  }

  server.on('request', (req, res) => {
    const { pathname } = new URL(req.url, issuer)
    const m = pathname.match(/^\/interaction\/([\w-]+)(?:\/(login|confirm|abort))?\/?$/)
    if (!m) return oidcCallback(req, res)
    interactions(req, res, m[1], m[2]).catch((err) => {
      onEvent?.('interaction.handler_error', err)
      if (!res.headersSent) send(res, 500, page('Server error', `<pre>${esc(err.message)}</pre>`))
    })
  })

  return {
    issuer,
    port: actualPort,
    provider,
    async close() {
      await new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections() // fetch (undici) keeps connections alive
      })
    },
  }
}
