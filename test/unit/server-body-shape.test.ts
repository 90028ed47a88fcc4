import { createApp, eventHandler, toNodeListener } from 'h3'
import { fetchNodeRequestHandler } from 'node-mock-http'
import { describe, expect, it, vi } from 'vitest'
import { readJsonWithin } from '../../src/runtime/server/body'

vi.mock('#gatekeeper-server-config', () => ({ default: { maxBodyBytes: 100_000 } }))

/** A route of ours that reads a JSON body (sign-in, sign-up), answered with what it read. */
const handler = toNodeListener(createApp().use('/echo', eventHandler(async event => ({ read: await readJsonWithin(event) }))))
const post = async (body: string) => {
  const response = await fetchNodeRequestHandler(handler as never, '/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  const answer = await response.json()
  return { status: response.status, code: answer.data?.authError?.code, read: answer.read }
}

describe('a route\'s JSON body that no backend request can carry', () => {
  it.each([
    // Its serialiser overflowed when the backend request was built, which was reported as a backend out of reach (502).
    ['nested far deeper than any form', `${'['.repeat(30_000)}${']'.repeat(30_000)}`],
    ['nested 65 levels', `{"a":${'['.repeat(64)}${']'.repeat(64)}}`],
    ['with a __proto__ key', '{"credentials":{"__proto__":{"admin":true}}}'],
  ])('%s is a 400 BAD_REQUEST', async (_label, body) => {
    expect(await post(body)).toEqual({ status: 400, code: 'BAD_REQUEST', read: undefined })
  })

  it('a form nested 64 levels is read', async () => {
    expect(await post(`{"a":${'['.repeat(63)}${']'.repeat(63)}}`)).toMatchObject({ status: 200 })
  })
})
