import { createServer } from 'node:http'
import { once } from 'node:events'
import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { AuthError } from '../../src/runtime/core'
import { jwtVerificationEnabled, peekVerifiedSession, verifiedSession, type JwtVerificationSettings } from '../../src/runtime/shared/jwt-verification'
import { serverIssuerClock } from '../../src/runtime/shared/server-issuer-clock'
import { serverSessionLookup } from '../../src/runtime/shared/server-session'
import { AuthConfigError, resolveModuleOptions, type ModuleOptions } from '../../src/options'

const settings = (overrides: Partial<JwtVerificationSettings>): JwtVerificationSettings => ({
  enabled: true, secret: '', publicKey: '', jwksUrl: '', issuer: '', audience: '', typ: '', algorithms: '', sessionPointer: '/', clockToleranceSeconds: 0, jwksCooldownSeconds: 30, ...overrides,
})
const SECRET = 'a secret long enough for HS256 tokens'
const sign = (claims: Record<string, unknown>, alg = 'HS256', key: Parameters<SignJWT['sign']>[0] = new TextEncoder().encode(SECRET)) =>
  new SignJWT(claims).setProtectedHeader({ alg }).setIssuedAt().setExpirationTime('5m').sign(key)

async function failure(promise: Promise<unknown>): Promise<AuthError> {
  const outcome = await promise.then(() => null, (error: unknown) => error)
  expect(outcome).toBeInstanceOf(AuthError)
  return outcome as AuthError
}

describe('verifiedSession', () => {
  it('takes the session from the claims (all of them, or at sessionPointer)', async () => {
    const token = await sign({ user: { id: 'u1', roles: ['admin'] } })
    expect(await verifiedSession(token, settings({ secret: SECRET, sessionPointer: '/user' }))).toEqual({ id: 'u1', roles: ['admin'] })
    expect(await verifiedSession(token, settings({ secret: SECRET }))).toMatchObject({ user: { id: 'u1' }, exp: expect.any(Number) })
    // A pointer that finds no object is the options' mistake, not a verdict on the user.
    expect((await failure(verifiedSession(token, settings({ secret: SECRET, sessionPointer: '/nobody' })))).code).toBe('BAD_RESPONSE')
  })

  it('checks issuer and audience when given, and refuses an algorithm not allowed', async () => {
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://a.test').setAudience('api').setExpirationTime('5m').sign(new TextEncoder().encode(SECRET))
    await expect(verifiedSession(token, settings({ secret: SECRET, issuer: 'https://a.test', audience: 'api' }))).resolves.toBeTruthy()
    // From the environment a list comes comma-separated.
    await expect(verifiedSession(token, settings({ secret: SECRET, audience: 'other, api' }))).resolves.toBeTruthy()
    for (const bad of [{ issuer: 'https://b.test' }, { audience: 'other' }, { algorithms: ['HS512'] }]) {
      const error = await failure(verifiedSession(token, settings({ secret: SECRET, ...bad })))
      expect(error.code).toBe('UNAUTHORIZED')
      expect(error.isVerdict).toBe(true)
    }
  })

  it('checks the typ header when given: a token of another kind signed with the same key is refused', async () => {
    const key = new TextEncoder().encode(SECRET)
    const access = await new SignJWT({ sub: 'u1' }).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).setExpirationTime('5m').sign(key)
    const refresh = await new SignJWT({ sub: 'u1' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setExpirationTime('30d').sign(key)
    const untyped = await sign({ sub: 'u1' })
    // Not set: any typ, or none.
    for (const token of [access, refresh, untyped]) await expect(verifiedSession(token, settings({ secret: SECRET }))).resolves.toMatchObject({ sub: 'u1' })
    // Set: only that one, written either way (a media type, compared without case).
    for (const typ of ['at+jwt', 'application/AT+JWT']) await expect(verifiedSession(access, settings({ secret: SECRET, typ }))).resolves.toMatchObject({ sub: 'u1' })
    for (const token of [refresh, untyped]) {
      const error = await failure(verifiedSession(token, settings({ secret: SECRET, typ: 'at+jwt' })))
      expect(error.code).toBe('UNAUTHORIZED')
      expect(error.isVerdict).toBe(true)
    }
  })

  it('verifies with a PEM public key for the algorithm the token names', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256')
    const token = await sign({ sub: 'u2' }, 'RS256', privateKey)
    expect(await verifiedSession(token, settings({ publicKey: await exportSPKI(publicKey) }))).toMatchObject({ sub: 'u2' })
    // The same key does not make an HS256 token signed with the PEM text valid (the key-confusion attack).
    const confused = await sign({ sub: 'u2' }, 'HS256', new TextEncoder().encode(await exportSPKI(publicKey)))
    expect((await failure(verifiedSession(confused, settings({ publicKey: await exportSPKI(publicKey) })))).code).toBe('UNAUTHORIZED')
  })

  it('a JWKS that cannot be reached is no verdict (NETWORK), and a missing or doubled key says which variables to set', async () => {
    const server = createServer((_request, response) => response.destroy())
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as { port: number }
    try {
      const { privateKey } = await generateKeyPair('ES256')
      const error = await failure(verifiedSession(await sign({}, 'ES256', privateKey), settings({ jwksUrl: `http://127.0.0.1:${port}/jwks` })))
      expect(error.code).toBe('NETWORK')
      expect(error.isVerdict).toBe(false)
    }
    finally {
      server.close()
    }
    expect((await failure(verifiedSession('x.y.z', settings({})))).message).toMatch(/NUXT_AUTH_JWT_VERIFICATION_SECRET/)
    expect((await failure(verifiedSession('x.y.z', settings({ secret: SECRET, jwksUrl: 'http://x.test' })))).message).toMatch(/exactly one/)
  })

  it('is on when the app configured it, or when the environment gives a key', () => {
    expect(jwtVerificationEnabled(settings({ enabled: false }))).toBe(false)
    expect(jwtVerificationEnabled(settings({ enabled: false, secret: 'from env' }))).toBe(true)
    expect(jwtVerificationEnabled(settings({ enabled: true }))).toBe(true)
    expect(jwtVerificationEnabled(undefined)).toBe(false)
  })
})

describe('auth.jwtVerification options', () => {
  const resolve = (jwtVerification: unknown, provider: Record<string, unknown> = { type: 'local' }) => resolveModuleOptions({ jwtVerification, provider } as unknown as ModuleOptions)
  const problems = (jwtVerification: unknown, provider?: Record<string, unknown>) => {
    try {
      resolve(jwtVerification, provider)
    }
    catch (error) {
      expect(error).toBeInstanceOf(AuthConfigError)
      return (error as AuthConfigError).message
    }
    throw new Error('no error')
  }

  it('writes every key into the server config, empty when not given, so the environment can set them', () => {
    expect(resolveModuleOptions({}).server.jwtVerification).toMatchObject({ enabled: false, secret: '', jwksUrl: '', publicKey: '' })
    expect(resolve({ jwksUrl: 'https://issuer.example.com/jwks', audience: ['api'] }).server.jwtVerification).toMatchObject({ enabled: true, jwksUrl: 'https://issuer.example.com/jwks', audience: ['api'], jwksCooldownSeconds: 30 })
  })

  it('fails the build naming the option: two keys, alg none, a bad URL, pointer or typ, and a provider without tokens', () => {
    expect(problems({ secret: 's', jwksUrl: 'https://x.test/jwks' })).toMatch(/auth\.jwtVerification gives secret and jwksUrl/)
    expect(problems({ algorithms: ['none'] })).toMatch(/auth\.jwtVerification\.algorithms .*'none' is never accepted/s)
    expect(problems({ jwksUrl: 'issuer/jwks' })).toMatch(/auth\.jwtVerification\.jwksUrl must be an http\(s\) URL/)
    expect(problems({ sessionPointer: 'user' })).toMatch(/auth\.jwtVerification\.sessionPointer/)
    expect(problems({ secret: 's' }, { type: 'authjs' })).toMatch(/auth\.jwtVerification is set, but this provider keeps no access token/)
    expect(problems({ secrets: 's' })).toMatch(/auth\.jwtVerification\.secrets/)
    expect(problems({ secret: 's', typ: 'at jwt' })).toMatch(/auth\.jwtVerification\.typ must be a media type such as 'at\+jwt'/)
    expect(resolve({ secret: 's', typ: 'at+jwt' }).server.jwtVerification.typ).toBe('at+jwt')
  })
})

describe('verifiedSession: what a key cannot verify', () => {
  it('a token naming an algorithm the key is not for is refused (401), not an outage', async () => {
    const ec = await generateKeyPair('ES256')
    const rsa = await generateKeyPair('RS256')
    const pem = await exportSPKI(ec.publicKey)
    const rsaToken = await sign({ sub: 'x' }, 'RS256', rsa.privateKey)
    expect((await failure(verifiedSession(rsaToken, settings({ publicKey: pem })))).code).toBe('UNAUTHORIZED')
    expect(await verifiedSession(await sign({ sub: 'y' }, 'ES256', ec.privateKey), settings({ publicKey: pem }))).toMatchObject({ sub: 'y' })
  })

  it('an EC key verifies its own curve\'s algorithm: a token naming another curve\'s (forged or not) is refused (401), also when algorithms lists it', async () => {
    const p256 = await generateKeyPair('ES256')
    const p384 = await generateKeyPair('ES384')
    const pem = await exportSPKI(p256.publicKey)
    const otherCurve = await sign({ sub: 'x' }, 'ES384', p384.privateKey)
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const junk = `${b64({ alg: 'ES512' })}.${b64({ sub: 'x', exp: 9_999_999_999 })}.AAAA`
    for (const token of [otherCurve, junk]) {
      for (const algorithms of ['', 'ES256,ES384,ES512']) {
        const error = await failure(verifiedSession(token, settings({ publicKey: pem, algorithms })))
        expect(error.code, `${algorithms || 'default'}: ${error.message}`).toBe('UNAUTHORIZED')
        expect(error.isVerdict).toBe(true)
      }
    }
    expect(await verifiedSession(await sign({ sub: 'y' }, 'ES256', p256.privateKey), settings({ publicKey: pem }))).toMatchObject({ sub: 'y' })
    const p384Pem = await exportSPKI(p384.publicKey)
    expect(await verifiedSession(otherCurve, settings({ publicKey: p384Pem }))).toMatchObject({ sub: 'x' })
  })

  it('a token without exp is refused; a broken key is the configuration\'s fault (no verdict, names the option)', async () => {
    const noExp = await new SignJWT({ sub: 'z' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET))
    expect((await failure(verifiedSession(noExp, settings({ secret: SECRET })))).code).toBe('UNAUTHORIZED')
    const { privateKey } = await generateKeyPair('RS256')
    const broken = await failure(verifiedSession(await sign({}, 'RS256', privateKey), settings({ publicKey: '-----BEGIN PUBLIC KEY-----\nbroken\n-----END PUBLIC KEY-----' })))
    expect(broken.isVerdict).toBe(false)
    expect(broken.message).toMatch(/auth\.jwtVerification/)
  })

  it('the build refuses algorithms the key cannot verify (secret with RS256, JWKS with HS256), and async roles functions', () => {
    for (const [jwtVerification, pattern] of [[{ secret: 's', algorithms: ['RS256'] }, /lists RS256, which the secret cannot verify/], [{ jwksUrl: 'https://x.test/jwks', algorithms: ['HS256'] }, /lists HS256, which the jwksUrl cannot verify/]] as const) {
      expect(() => resolveModuleOptions({ jwtVerification } as unknown as ModuleOptions)).toThrow(pattern)
    }
    expect(() => resolveModuleOptions({ authorization: { roles: async () => ['admin'] } } as unknown as ModuleOptions)).toThrow(/auth\.authorization\.roles/)
  })
})

describe('verified sessions in the session cache', () => {
  const cache = { maxAge: 60, maxEntries: 100 }
  afterEach(() => {
    vi.useRealTimers()
    vi.restoreAllMocks()
  })
  const verifications = () => vi.spyOn(crypto.subtle, 'verify')

  it('a token is verified once while it is kept; each answer is a copy of its own; without the cache, every time', async () => {
    const verify = verifications()
    const token = await sign({ user: { id: 'u1', roles: ['admin'] } })
    const options = settings({ secret: SECRET, sessionPointer: '/user' })
    const first = await verifiedSession(token, options, cache) as { roles: string[] }
    first.roles.push('edited by the first request')
    expect(await verifiedSession(token, options, cache)).toEqual({ id: 'u1', roles: ['admin'] })
    expect(peekVerifiedSession(token, options, cache)).toEqual({ session: { id: 'u1', roles: ['admin'] } })
    expect(verify).toHaveBeenCalledTimes(1)
    // Another token is another entry; no cache (sessionCache: false, maxAge 0) verifies each time.
    await verifiedSession(await sign({ user: { id: 'u2' } }), options, cache)
    expect(verify).toHaveBeenCalledTimes(2)
    await verifiedSession(token, options)
    await verifiedSession(token, options, { maxAge: 0, maxEntries: 100 })
    expect(verify).toHaveBeenCalledTimes(4)
  })

  it('keeps nothing past the token\'s expiry: from exp the server refreshes, from exp plus the tolerance verification refuses', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const start = Math.ceil(Date.now() / 1000) * 1000
    vi.setSystemTime(start)
    const token = await new SignJWT({ sub: 'u3' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(start / 1000 + 5).sign(new TextEncoder().encode(SECRET))
    const options = settings({ secret: SECRET, clockToleranceSeconds: 2 })
    const verify = verifications()
    await expect(verifiedSession(token, options, cache)).resolves.toMatchObject({ sub: 'u3' })
    vi.setSystemTime(start + 4_900)
    expect(peekVerifiedSession(token, options, cache)).toEqual({ session: expect.objectContaining({ sub: 'u3' }) })
    expect(verify).toHaveBeenCalledTimes(1)
    // Expired: a render must not take it from the cache (it would skip the refresh); verification still accepts it.
    vi.setSystemTime(start + 5_000)
    expect(peekVerifiedSession(token, options, cache)).toBeUndefined()
    await expect(verifiedSession(token, options, cache)).resolves.toMatchObject({ sub: 'u3' })
    expect(verify).toHaveBeenCalledTimes(2)
    vi.setSystemTime(start + 7_000)
    expect((await failure(verifiedSession(token, options, cache))).code).toBe('UNAUTHORIZED')
  })

  it('a kept session ends when the issuer\'s clock, learned later, says its token has expired (the server refreshes from there)', async () => {
    const token = await sign({ sub: 'u5' })
    const options = settings({ secret: SECRET })
    await verifiedSession(token, options, cache)
    expect(peekVerifiedSession(token, options, cache)).toBeDefined()
    // A refresh's token reveals an issuer ten minutes ahead of this machine: the five-minute token is expired there.
    serverIssuerClock().observe(Date.now() + 600_000)
    try {
      expect(peekVerifiedSession(token, options, cache)).toBeUndefined()
    }
    finally {
      serverIssuerClock().observe(Date.now())
    }
  })

  it('takes a token that this machine\'s clock or the issuer\'s as the process knows it takes: a token issued just now is valid, also from an issuer whose clock runs ahead or behind', async () => {
    const options = settings({ secret: SECRET })
    const issuedAt = (issuerNow: number) => new SignJWT({ sub: 'u6' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(Math.floor(issuerNow / 1000)).setNotBefore(Math.floor(issuerNow / 1000)).setExpirationTime(Math.floor(issuerNow / 1000) + 300).sign(new TextEncoder().encode(SECRET))
    // 1.5 s ahead, less than the estimate ever corrects for (nbf = iat, as Entra ID writes it): not "not yet valid".
    await expect(verifiedSession(await issuedAt(Date.now() + 1_500), options)).resolves.toMatchObject({ sub: 'u6' })
    try {
      // Ten minutes ahead, learned from a refresh's token.
      serverIssuerClock().observe(Date.now() + 600_000)
      await expect(verifiedSession(await issuedAt(Date.now() + 600_000), options)).resolves.toMatchObject({ sub: 'u6' })
      // Ten minutes behind: its five-minute token has expired by this machine's clock, not by the issuer's.
      serverIssuerClock().observe(Date.now() - 600_000)
      await expect(verifiedSession(await issuedAt(Date.now() - 600_000), options)).resolves.toMatchObject({ sub: 'u6' })
      // And one that has expired by both clocks is refused.
      expect((await failure(verifiedSession(await issuedAt(Date.now() - 600_000 - 310_000), options))).code).toBe('UNAUTHORIZED')
      // An estimate gone wrong (one odd `iat` ten minutes ahead) refuses no token this machine's clock takes.
      serverIssuerClock().observe(Date.now() + 600_000)
      await expect(verifiedSession(await issuedAt(Date.now()), options)).resolves.toMatchObject({ sub: 'u6' })
    }
    finally {
      serverIssuerClock().observe(Date.now())
    }
  })

  it('a configuration without a key is reported by the check, not thrown by a render\'s look into the cache', async () => {
    expect(peekVerifiedSession('x.y.z', settings({}), cache)).toBeUndefined()
    expect((await failure(verifiedSession('x.y.z', settings({}), cache))).message).toMatch(/NUXT_AUTH_JWT_VERIFICATION_SECRET/)
  })

  it('a refused token is checked again each time, and serverSessionLookup uses the cache unless asked for a fresh answer', async () => {
    const verify = verifications()
    const foreign = await sign({ sub: 'x' }, 'HS256', new TextEncoder().encode('another secret entirely'))
    const options = settings({ secret: SECRET })
    for (let attempt = 0; attempt < 2; attempt++) expect((await failure(verifiedSession(foreign, options, cache))).code).toBe('UNAUTHORIZED')
    expect(verify).toHaveBeenCalledTimes(2)

    const token = await sign({ sub: 'u4' })
    const cached = serverSessionLookup({ jwtVerification: options, sessionCache: cache })
    const fresh = serverSessionLookup({ jwtVerification: options, sessionCache: cache }, { cache: false })
    const backend = vi.fn()
    expect(cached.peek?.(token)).toBeUndefined()
    await cached(token, backend)
    expect(cached.peek?.(token)).toEqual({ session: expect.objectContaining({ sub: 'u4' }) })
    await fresh(token, backend)
    expect(fresh.peek).toBeUndefined()
    expect(verify).toHaveBeenCalledTimes(4)
    expect(backend).not.toHaveBeenCalled()
  })
})

describe('verified sessions and a JWKS', () => {
  const cache = { maxAge: 60, maxEntries: 100 }

  /**
   * An issuer with two ES256 keys that publishes the first until it `rotate`s to the second (the first retired), on a
   * JWKS endpoint of its own that counts its `requests` and can `hold` its answers until the release it returns.
   */
  async function rotatingIssuer() {
    const keys = [await generateKeyPair('ES256'), await generateKeyPair('ES256')]
    const published = await Promise.all(keys.map(async ({ publicKey }, index) => ({ ...await exportJWK(publicKey), kid: `k${index}`, alg: 'ES256' })))
    let served = [published[0]]
    let held: Promise<void> | undefined
    let requests = 0
    const server = createServer(async (_request, response) => {
      requests++
      const keysNow = served
      await held
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify({ keys: keysNow }))
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as { port: number }
    return {
      // A cooldown that would keep the old set for a minute: the reload for an unknown kid comes first.
      options: settings({ jwksUrl: `http://127.0.0.1:${port}/jwks`, jwksCooldownSeconds: 60 }),
      mint: (index: number) => new SignJWT({ sub: `u${index}` }).setProtectedHeader({ alg: 'ES256', kid: `k${index}` }).setExpirationTime('5m').sign(keys[index]!.privateKey),
      requests: () => requests,
      rotate: () => void (served = [published[1]]),
      hold() {
        let release!: () => void
        held = new Promise(resolve => release = resolve)
        return release
      },
      close: () => server.close(),
    }
  }

  it('tokens without a kid while the set publishes two keys of their kind (the next one beside the current, before a rotation): each key is tried, only a token none verifies is refused', async () => {
    const keys = [await generateKeyPair('RS256', { extractable: true }), await generateKeyPair('RS256', { extractable: true })]
    const published = await Promise.all(keys.map(async ({ publicKey }) => ({ ...await exportJWK(publicKey), alg: 'RS256', use: 'sig' })))
    const server = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify({ keys: published }))
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    try {
      const options = settings({ jwksUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}/jwks` })
      const signed = (key: CryptoKey, sub: string) => new SignJWT({ sub }).setProtectedHeader({ alg: 'RS256' }).setExpirationTime('5m').sign(key)
      await expect(verifiedSession(await signed(keys[0]!.privateKey, 'with-the-current-key'), options)).resolves.toMatchObject({ sub: 'with-the-current-key' })
      await expect(verifiedSession(await signed(keys[1]!.privateKey, 'with-the-next-key'), options)).resolves.toMatchObject({ sub: 'with-the-next-key' })
      const stranger = await generateKeyPair('RS256')
      const refused = await failure(verifiedSession(await signed(stranger.privateKey, 'forged'), options))
      expect(refused).toMatchObject({ code: 'UNAUTHORIZED', status: 401, message: expect.stringContaining('ERR_JWS_SIGNATURE_VERIFICATION_FAILED') })
    }
    finally {
      server.close()
    }
  })

  it('a fetch of the key set drops what was verified before it: a retired key stops working at once', async () => {
    const issuer = await rotatingIssuer()
    try {
      const old = await issuer.mint(0)
      for (let view = 0; view < 3; view++) await expect(verifiedSession(old, issuer.options, cache)).resolves.toMatchObject({ sub: 'u0' })
      expect(peekVerifiedSession(old, issuer.options, cache)).toBeDefined()
      expect(issuer.requests()).toBe(1)
      // The issuer rotates: the new key in, the old one out.
      issuer.rotate()
      await expect(verifiedSession(await issuer.mint(1), issuer.options, cache)).resolves.toMatchObject({ sub: 'u1' })
      expect(issuer.requests()).toBe(2)
      expect(peekVerifiedSession(old, issuer.options, cache)).toBeUndefined()
      expect((await failure(verifiedSession(old, issuer.options, cache))).code).toBe('UNAUTHORIZED')
    }
    finally {
      issuer.close()
    }
  })

  it('a token verified while the key set is being fetched again is not kept: it was checked with the set being replaced', async () => {
    const issuer = await rotatingIssuer()
    try {
      const old = await issuer.mint(0)
      await expect(verifiedSession(old, issuer.options, cache)).resolves.toMatchObject({ sub: 'u0' })
      // The issuer rotates; the set's next answer is held back while the old token is checked.
      issuer.rotate()
      const release = issuer.hold()
      const rotated = verifiedSession(await issuer.mint(1), issuer.options, cache)
      await vi.waitFor(() => expect(issuer.requests()).toBe(2))
      // Still the old set in hand: the old token passes this once, and is not kept.
      await expect(verifiedSession(old, issuer.options, cache)).resolves.toMatchObject({ sub: 'u0' })
      release()
      await expect(rotated).resolves.toMatchObject({ sub: 'u1' })
      expect(peekVerifiedSession(old, issuer.options, cache)).toBeUndefined()
      expect((await failure(verifiedSession(old, issuer.options, cache))).code).toBe('UNAUTHORIZED')
    }
    finally {
      issuer.close()
    }
  })
})
