// A lazy chunk of the app (the backend-calling code, the fetch helper): loaded once and shared; a failed download
// is NETWORK naming what failed, and the next call tries again instead of keeping the failure.
import { describe, expect, it } from 'vitest'
import { lazyChunk } from '../../src/runtime/app/backend-loader'
import { isAuthError } from '../../src/runtime/core'

describe('lazyChunk', () => {
  it('loads once for every caller', async () => {
    let loads = 0
    const load = lazyChunk(async () => ({ made: ++loads }), 'The test chunk')
    const [first, second] = await Promise.all([load(), load()])
    expect(first).toBe(second)
    expect(await load()).toEqual({ made: 1 })
  })

  it('a failed download is NETWORK naming the chunk, and the next call downloads again', async () => {
    let loads = 0
    const load = lazyChunk(async () => {
      if (++loads === 1) throw new TypeError('Failed to fetch dynamically imported module')
      return { loaded: loads }
    }, 'The fetch helper\'s code')
    const failure = await load().catch((error: unknown) => error)
    expect(isAuthError(failure) && failure.code).toBe('NETWORK')
    expect((failure as Error).message).toContain('The fetch helper\'s code (a chunk of the app) could not be loaded')
    expect(await load()).toEqual({ loaded: 2 })
  })
})
