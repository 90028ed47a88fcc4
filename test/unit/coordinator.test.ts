import { describe, it, expect } from 'vitest'
import { createSingleFlight } from '../../src/runtime/core/coordinator'

function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (reason: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

describe('createSingleFlight', () => {
  it('runs the operation once for 20 concurrent callers, who all get the same value', async () => {
    const flight = createSingleFlight()
    const gate = deferred<{ user: string }>()
    let calls = 0
    const operation = () => {
      calls++
      return gate.promise
    }
    const callers = Array.from({ length: 20 }, () => flight.run('session', operation))
    expect(calls).toBe(1)
    expect(flight.current('session')).toBe(callers[0])
    const value = { user: 'ada' }
    gate.resolve(value)
    const results = await Promise.all(callers)
    expect(calls).toBe(1)
    for (const result of results) expect(result).toBe(value)
  })

  it('shares a rejection with every caller, then frees the key', async () => {
    const flight = createSingleFlight()
    const gate = deferred<string>()
    let calls = 0
    const callers = Array.from({ length: 5 }, () => flight.run('refresh', () => {
      calls++
      return gate.promise
    }))
    const failure = new Error('refused')
    gate.reject(failure)
    const settled = await Promise.allSettled(callers)
    expect(calls).toBe(1)
    for (const result of settled) expect(result).toEqual({ status: 'rejected', reason: failure })
    expect(flight.current('refresh')).toBeUndefined()

    const again = await flight.run('refresh', async () => {
      calls++
      return 'second'
    })
    expect(again).toBe('second')
    expect(calls).toBe(2)
  })

  it('frees the key after success, so the next call runs again', async () => {
    const flight = createSingleFlight()
    let calls = 0
    const op = async () => ++calls
    expect(await flight.run('k', op)).toBe(1)
    expect(flight.current('k')).toBeUndefined()
    expect(await flight.run('k', op)).toBe(2)
  })

  it('runs different keys independently', async () => {
    const flight = createSingleFlight()
    const a = deferred<string>()
    const b = deferred<string>()
    let aCalls = 0
    let bCalls = 0
    const pa = flight.run('a', () => {
      aCalls++
      return a.promise
    })
    const pb = flight.run('b', () => {
      bCalls++
      return b.promise
    })
    expect(aCalls).toBe(1)
    expect(bCalls).toBe(1)
    expect(flight.current('a')).toBe(pa)
    expect(flight.current('b')).toBe(pb)
    b.resolve('B')
    expect(await pb).toBe('B')
    expect(flight.current('b')).toBeUndefined()
    expect(flight.current('a')).toBe(pa)
    a.resolve('A')
    expect(await pa).toBe('A')
  })

  it('does not share between instances (one per tab / per SSR request)', async () => {
    const first = createSingleFlight()
    const second = createSingleFlight()
    const gate = deferred<number>()
    let calls = 0
    const op = () => {
      calls++
      return gate.promise
    }
    const p1 = first.run('k', op)
    const p2 = second.run('k', op)
    expect(calls).toBe(2)
    gate.resolve(7)
    expect(await Promise.all([p1, p2])).toEqual([7, 7])
  })

  it('turns an operation that throws synchronously into a rejection and frees the key', async () => {
    const flight = createSingleFlight()
    const boom = new Error('sync')
    await expect(flight.run('k', () => {
      throw boom
    })).rejects.toBe(boom)
    expect(flight.current('k')).toBeUndefined()
    let ran = false
    await flight.run('k', async () => {
      ran = true
    })
    expect(ran).toBe(true)
  })

  it('lets a caller that arrives after settling start a new run, while late callers of a running one join it', async () => {
    const flight = createSingleFlight()
    const first = deferred<number>()
    let calls = 0
    const p1 = flight.run('k', () => {
      calls++
      return first.promise
    })
    first.resolve(1)
    await p1
    const p2 = flight.run('k', async () => {
      calls++
      return 2
    })
    const p3 = flight.run('k', async () => {
      calls++
      return 3
    })
    expect(p3).toBe(p2)
    expect(await p3).toBe(2)
    expect(calls).toBe(2)
  })
})
