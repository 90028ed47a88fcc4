import { parse, serialize } from 'cookie-es'
import { afterEach, describe, expect, it } from 'vitest'
import { documentJar } from '../../src/runtime/app/document-jar'
import type { CookieRuntimeConfig } from '../../src/runtime/core/config'

// The browser's jar reads and writes `document.cookie` without cookie-es; it must read what cookie-es would parse
// and write what it would serialise, for every input the module can give it.

const writes: string[] = []
let jar = ''
afterEach(() => {
  writes.length = 0
  Reflect.deleteProperty(globalThis, 'document')
})
function withDocumentCookie(value: string) {
  jar = value
  Object.defineProperty(globalThis, 'document', {
    configurable: true,
    value: {
      get cookie() {
        return jar
      },
      set cookie(written: string) {
        writes.push(written)
      },
    },
  })
}

const cookie = (overrides: Partial<CookieRuntimeConfig> = {}): CookieRuntimeConfig => ({ name: 'auth.token', maxAge: 1800, sameSite: 'lax', secure: false, httpOnly: false, ...overrides })

describe('documentJar.read: what cookie-es parse reads', () => {
  it.each([
    ['auth.token=abc', 'auth.token'],
    ['a=1; auth.token=eyJ.x-y_z; b=2', 'auth.token'],
    ['auth.token=first; auth.token=second', 'auth.token'],
    ['  auth.token = spaced ;x=1', 'auth.token'],
    ['auth.token=a%20b%3Dc', 'auth.token'],
    ['auth.token=100%', 'auth.token'],
    ['auth.token="quoted"', 'auth.token'],
    ['auth.token=a=b=c', 'auth.token'],
    ['flag; auth.token=after-a-bare-name', 'auth.token'],
    ['auth.token.other=no; auth.tokens=no', 'auth.token'],
    ['other=1', 'auth.token'],
    ['', 'auth.token'],
    ['auth.token=', 'auth.token'],
  ])('%j', (documentCookie, name) => {
    withDocumentCookie(documentCookie)
    expect(documentJar.read(name)).toBe(parse(documentCookie)[name] || null)
  })
})

describe('documentJar.write: what cookie-es serialize writes', () => {
  it.each([
    [cookie(), 'eyJhbGciOi.J9.sig'],
    [cookie(), 'needs encoding: ;,= é'],
    [cookie({ sameSite: 'strict', secure: true }), 't'],
    [cookie({ sameSite: 'none', secure: true, domain: '.example.com' }), 't'],
    [cookie({ sameSite: true }), 't'],
    [cookie({ sameSite: false }), 't'],
    [cookie({ maxAge: 90.7 }), 't'],
    [cookie(), null],
  ])('%j, %j', (config, value) => {
    withDocumentCookie('')
    documentJar.write(config, value)
    const expected = serialize(config.name, value ?? '', { path: '/', domain: config.domain || undefined, sameSite: config.sameSite, secure: config.secure, maxAge: value === null ? 0 : config.maxAge })
    expect(writes).toEqual([expected])
  })
})
