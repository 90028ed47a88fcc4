import { describe, expect, it } from 'vitest'
import type { StrategyContext } from '../../src/runtime/core'
import { relayStrategy } from '../../src/runtime/app/relay'

/** The hop to a relay route answered 200 with this JSON (ctx.request resolves with the parsed body). */
const answering = (body: unknown) => ({ request: async () => body }) as unknown as StrategyContext<unknown>
const outcome = (promise: Promise<unknown>) => promise.then(value => ({ resolved: value }), (error: { code?: string, message?: string }) => ({ code: error.code, message: error.message }))

describe('the browser\'s relay strategy reads the relay routes\' answers', () => {
  it('takes their session, or null (nobody signed in)', async () => {
    expect(await outcome(relayStrategy.getSession(answering({ session: { id: 1 } })))).toEqual({ resolved: { id: 1 } })
    expect(await outcome(relayStrategy.getSession(answering({ session: null })))).toEqual({ resolved: null })
    expect(await outcome(relayStrategy.signIn(answering({ session: { id: 1 } }), {}))).toEqual({ resolved: { session: { id: 1 } } })
  })

  it.each([
    ['a JSON error a middleware answered with 200', { error: 'Unauthorized' }],
    ['an empty answer', ''],
    ['null', null],
  ])('a 200 the route did not write (%s) is BAD_RESPONSE naming the route: neither signed in without data nor signed out', async (_label, body) => {
    expect(await outcome(relayStrategy.getSession(answering(body)))).toEqual({ code: 'BAD_RESPONSE', message: expect.stringContaining('/api/_auth/session answered without a session') })
    expect(await outcome(relayStrategy.signIn(answering(body), {}))).toEqual({ code: 'BAD_RESPONSE', message: expect.stringContaining('/api/_auth/signin answered without a session') })
  })
})
