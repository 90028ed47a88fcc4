import { describe, it, expect } from 'vitest'
import { parsePointer, readPointer, writePointer } from '../../src/runtime/core/pointer'
import { withoutPointer, withoutTokens } from '../../src/runtime/core/pointer-removal'

// RFC 6901, with the @sidebase/nuxt-auth convention that `/` (like ``) means the whole document.

describe('parsePointer', () => {
  it.each([
    ['', []],
    ['/', []],
    ['/token', ['token']],
    ['/data/user/name', ['data', 'user', 'name']],
    ['/a~1b', ['a/b']],
    ['/m~0n', ['m~n']],
    // `~01` is `~1` literally: `~1` must not be produced by decoding `~0` first (RFC 6901 §4).
    ['/~01', ['~1']],
    ['/items/0', ['items', '0']],
    ['/a//b', ['a', '', 'b']],
  ])('parses %j', (pointer, keys) => {
    expect(parsePointer(pointer)).toEqual(keys)
  })

  it.each(['token', 'a/b', '#/a', ' /a'])('rejects %j (not starting with "/")', (pointer) => {
    expect(() => parsePointer(pointer)).toThrow(TypeError)
  })
})

describe('readPointer', () => {
  const doc = {
    'token': 'abc',
    'data': { user: { name: 'Ada', tags: ['x', 'y'] }, empty: null, zero: 0, no: false, blank: '' },
    'a/b': 1,
    'm~n': 2,
    '': 'empty key',
  }

  it.each([
    ['/token', 'abc'],
    ['/data/user/name', 'Ada'],
    ['/data/user/tags/1', 'y'],
    ['/data/empty', null],
    ['/data/zero', 0],
    ['/data/no', false],
    ['/data/blank', ''],
    ['/a~1b', 1],
    ['/m~0n', 2],
  ])('finds %j', (pointer, value) => {
    expect(readPointer(doc, pointer)).toEqual({ found: true, value })
  })

  it('reads the whole document at "/" and ""', () => {
    expect(readPointer(doc, '/')).toEqual({ found: true, value: doc })
    expect(readPointer(doc, '')).toEqual({ found: true, value: doc })
    expect(readPointer('plain', '/')).toEqual({ found: true, value: 'plain' })
  })

  it.each([
    ['/missing'],
    ['/data/user/age'],
    ['/data/user/tags/5'],
    ['/data/empty/x'],
    ['/data/zero/x'],
    ['/token/length'],
    ['/data/user/name/0'],
  ])('reports %j as not found', (pointer) => {
    expect(readPointer(doc, pointer)).toEqual({ found: false })
  })

  it.each(['/constructor', '/__proto__', '/toString', '/hasOwnProperty', '/data/user/tags/length'])('does not read inherited or non-data property %j', (pointer) => {
    const result = readPointer(doc, pointer)
    if (pointer.endsWith('/length')) {
      // Arrays own `length`; that is data, not an inherited property.
      expect(result).toEqual({ found: true, value: 2 })
    }
    else {
      expect(result).toEqual({ found: false })
    }
  })

  it('treats an undefined document or value as not found', () => {
    expect(readPointer(undefined, '/')).toEqual({ found: false })
    expect(readPointer({ a: undefined }, '/a')).toEqual({ found: false })
    expect(readPointer(null, '/a')).toEqual({ found: false })
  })

  it('throws on a pointer without a leading slash', () => {
    expect(() => readPointer(doc, 'token')).toThrow(TypeError)
  })
})

describe('writePointer', () => {
  it('returns the value for the root pointer', () => {
    expect(writePointer({ a: 1 }, '/', 'x')).toBe('x')
    expect(writePointer({ a: 1 }, '', 'x')).toBe('x')
  })

  it('writes nested values, creating objects on the way', () => {
    const doc: Record<string, unknown> = { keep: true }
    const result = writePointer(doc, '/data/user/name', 'Ada')
    expect(result).toBe(doc)
    expect(doc).toEqual({ keep: true, data: { user: { name: 'Ada' } } })
  })

  it('replaces a non-object on the way and keeps sibling keys', () => {
    const doc: Record<string, unknown> = { data: 'scalar', other: { x: 1 } }
    writePointer(doc, '/data/token', 't')
    writePointer(doc, '/other/y', 2)
    expect(doc).toEqual({ data: { token: 't' }, other: { x: 1, y: 2 } })
  })

  it('unescapes ~1 and ~0 in keys', () => {
    expect(writePointer({}, '/a~1b/m~0n', 1)).toEqual({ 'a/b': { 'm~n': 1 } })
  })

  it('round-trips with readPointer', () => {
    const doc: Record<string, unknown> = {}
    writePointer(doc, '/x/y~1z', [1, 2])
    expect(readPointer(doc, '/x/y~1z')).toEqual({ found: true, value: [1, 2] })
  })

  it('never writes to Object.prototype', () => {
    try {
      expect(() => writePointer({}, '/__proto__/gatekeeperPolluted', true)).toThrow(TypeError)
      expect(() => writePointer({}, '/constructor/prototype/gatekeeperPolluted', true)).toThrow(TypeError)
      expect(({} as Record<string, unknown>).gatekeeperPolluted).toBeUndefined()
      expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'gatekeeperPolluted')).toBe(false)
    }
    finally {
      delete (Object.prototype as Record<string, unknown>).gatekeeperPolluted
    }
  })
})

describe('withoutPointer', () => {
  it('takes away what the pointer points at, leaving the rest and the input as they were', () => {
    const answer = { user: { name: 'A' }, token: 't', tokens: { refresh: 'r', kind: 'pair' } }
    expect(withoutPointer(answer, '/token')).toEqual({ user: { name: 'A' }, tokens: { refresh: 'r', kind: 'pair' } })
    expect(withoutPointer(answer, '/tokens/refresh')).toEqual({ user: { name: 'A' }, token: 't', tokens: { kind: 'pair' } })
    expect(answer).toEqual({ user: { name: 'A' }, token: 't', tokens: { refresh: 'r', kind: 'pair' } })
  })

  it('follows escaped keys and arrays', () => {
    expect(withoutPointer({ 'a/b': { '~c': 1, 'd': 2 } }, '/a~1b/~0c')).toEqual({ 'a/b': { d: 2 } })
    expect(withoutPointer({ list: ['x', 'y', 'z'] }, '/list/1')).toEqual({ list: ['x', 'z'] })
  })

  it('leaves a document without that path unchanged, and takes a whole document at the root pointer', () => {
    const answer = { user: { name: 'A' } }
    expect(withoutPointer(answer, '/token')).toBe(answer)
    expect(withoutPointer(answer, '/user/name/first')).toEqual(answer)
    expect(withoutPointer('a bare token', '/token')).toBe('a bare token')
    expect(withoutPointer('a bare token', '/')).toBeNull()
    expect(withoutPointer(null, '/token')).toBeNull()
  })
})

describe('withoutTokens (the relayed sign-up answer)', () => {
  it('takes out what the sign-in answer\'s pointers point at; a whole-answer pointer only an answer that is text', () => {
    expect(withoutTokens({ token: 't', refresh: { token: 'r' }, user: 'ada' }, ['/token', '/refresh/token'])).toEqual({ refresh: {}, user: 'ada' })
    // '/': the sign-in answer is the token itself. A sign-up answer that is an object is the sign-up's own.
    expect(withoutTokens({ id: 7, email: 'ada@example.test' }, ['/'])).toEqual({ id: 7, email: 'ada@example.test' })
    expect(withoutTokens('eyJ.a.token', ['/'])).toBeNull()
  })
})
