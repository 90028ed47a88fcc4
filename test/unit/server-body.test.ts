import { createApp, createError, eventHandler, toNodeListener } from 'h3'
import { fetchNodeRequestHandler } from 'node-mock-http'
import { createServer, type Server } from 'node:http'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { readJsonWithin } from '../../src/runtime/server/body'

vi.mock('#gatekeeper-server-config', () => ({ default: { maxBodyBytes: 64 } }))

/** A route of ours that reads a JSON body, answered with what it read. */
const handler = toNodeListener(createApp().use('/echo', eventHandler(async (event) => {
  try {
    return { read: await readJsonWithin(event) }
  }
  catch (error) {
    throw createError({ statusCode: (error as { statusCode?: number }).statusCode ?? 500 })
  }
})))

let server: Server | undefined
afterEach(() => server?.close())

describe('a route\'s request body', () => {
  it('is read from an in-process call (Nitro\'s $fetch from the app\'s own server code), whose request has no stream', async () => {
    const response = await fetchNodeRequestHandler(handler as never, '/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'ada' }) })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ read: { username: 'ada' } })
  })

  it('keeps its limit in-process and over the network (413 past auth.maxBodyBytes)', async () => {
    const big = JSON.stringify({ padding: 'x'.repeat(100) })
    expect((await fetchNodeRequestHandler(handler as never, '/echo', { method: 'POST', body: big })).status).toBe(413)
    server = createServer(handler)
    await new Promise<void>(resolve => server!.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/echo`
    expect((await fetch(url, { method: 'POST', body: big })).status).toBe(413)
    const small = await fetch(url, { method: 'POST', body: JSON.stringify({ username: 'ada' }) })
    expect(await small.json()).toEqual({ read: { username: 'ada' } })
  })

  it('answers a streamed body over the limit with 413 on a live connection, then closes it', async () => {
    server = createServer(handler)
    // What Nitro's server does with every answer: mark the request's socket idle when it is finished. A reader
    // that destroyed the request took the socket with it, and that write threw (an uncaughtException per request).
    const socketAtFinish: boolean[] = []
    server.prependListener('request', (request, response) => response.on('finish', () => socketAtFinish.push(request.socket !== null)))
    await new Promise<void>(resolve => server!.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/echo`
    const chunks = new ReadableStream({
      start(controller) {
        for (let index = 0; index < 8; index++) controller.enqueue(new TextEncoder().encode('y'.repeat(32)))
        controller.close()
      },
    })
    const response = await fetch(url, { method: 'POST', body: chunks, duplex: 'half' } as RequestInit)
    expect(response.status).toBe(413)
    expect(response.headers.get('connection')).toBe('close')
    await expect.poll(() => socketAtFinish).toEqual([true])
  })

  it('reads a streamed body within the limit', async () => {
    server = createServer(handler)
    await new Promise<void>(resolve => server!.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/echo`
    const parts = ['{"user', 'name":', '"ada"}']
    const chunks = new ReadableStream({
      start(controller) {
        for (const part of parts) controller.enqueue(new TextEncoder().encode(part))
        controller.close()
      },
    })
    const response = await fetch(url, { method: 'POST', body: chunks, duplex: 'half' } as RequestInit)
    expect(await response.json()).toEqual({ read: { username: 'ada' } })
  })
})
