import { SignJWT } from 'jose'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick, ref } from 'vue'
import { watchTokenExpiry } from '../../src/runtime/app/expiry'

const secret = new TextEncoder().encode('expiry-test-secret-expiry-test-secret')

async function jwtExpiringIn(seconds: number) {
  return await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(Math.floor(Date.now() / 1000) + seconds).sign(secret)
}

describe('watchTokenExpiry', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('fires once when the JWT expires, not before', async () => {
    const token = ref<string | null>(await jwtExpiringIn(60))
    const onExpired = vi.fn()
    const stop = watchTokenExpiry(token, onExpired)
    vi.advanceTimersByTime(59_000)
    expect(onExpired).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1_000)
    expect(onExpired).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(3_600_000)
    expect(onExpired).toHaveBeenCalledTimes(1)
    stop()
  })

  it('waits out lifetimes longer than setTimeout can hold (no immediate overflow firing)', async () => {
    const thirtyDays = 30 * 24 * 3600
    const token = ref<string | null>(await jwtExpiringIn(thirtyDays))
    const onExpired = vi.fn()
    const stop = watchTokenExpiry(token, onExpired)
    vi.advanceTimersByTime(1_000)
    expect(onExpired).not.toHaveBeenCalled()
    vi.advanceTimersByTime(thirtyDays * 1000 - 2_000)
    expect(onExpired).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1_000)
    expect(onExpired).toHaveBeenCalledTimes(1)
    stop()
  })

  it('re-arms for a new token and cancels on sign-out', async () => {
    const token = ref<string | null>(await jwtExpiringIn(10))
    const onExpired = vi.fn()
    const stop = watchTokenExpiry(token, onExpired)
    token.value = await jwtExpiringIn(100)
    await nextTick()
    vi.advanceTimersByTime(50_000)
    expect(onExpired).not.toHaveBeenCalled()
    token.value = null
    await nextTick()
    vi.advanceTimersByTime(100_000)
    expect(onExpired).not.toHaveBeenCalled()
    stop()
  })

  it('fires at once for an already expired JWT and never for an opaque token', async () => {
    const expired = vi.fn()
    const stopExpired = watchTokenExpiry(ref(await jwtExpiringIn(-5)), expired)
    vi.advanceTimersByTime(0)
    expect(expired).toHaveBeenCalledTimes(1)
    stopExpired()

    const opaque = vi.fn()
    const stopOpaque = watchTokenExpiry(ref('opaque-token'), opaque)
    vi.advanceTimersByTime(365 * 24 * 3600 * 1000)
    expect(opaque).not.toHaveBeenCalled()
    stopOpaque()
  })
})
