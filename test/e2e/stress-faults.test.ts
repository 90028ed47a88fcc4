import type { BrowserContext } from 'playwright-core'
import { describe, expect, inject, it } from 'vitest'
import { Backend, newUser, openSession, text, useChromium, waitForHydration } from './helpers'

// Backend faults at random (seeded, so a failure can be replayed): no sign-out without an authentication
// verdict, a typed error where the user acted, no unhandled rejection, no server crash, and recovery.
const baseURL = inject('refreshBaseURL')
const backend = new Backend(baseURL)
const MODES = ['500', '502', 'timeout', 'slow', 'html', 'malformed', 'empty-json', 'refuse'] as const
const browser = useChromium(backend)

/** A small deterministic generator (mulberry32). */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6D2B79F5) | 0
    let t = seed
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

async function cookie(context: BrowserContext, name: string) {
  return (await context.cookies()).find(entry => entry.name === name)?.value
}

describe('backend faults at random', () => {
  it('session and refresh endpoints failing in every way never sign anybody out; the app recovers', async () => {
    const seed = Number(process.env.FAULT_SEED ?? 20261124)
    const next = random(seed)
    const user = newUser()
    await backend.register(user)
    const session = await openSession(browser(), baseURL)
    session.expectFailedRequest(/status of (5\d\d|401)|ERR_EMPTY_RESPONSE|ERR_CONNECTION|ERR_INVALID_HTTP_RESPONSE/)
    const { page, context } = session
    await page.goto('/login')
    await waitForHydration(page)
    await page.getByTestId('email').fill(user.email)
    await page.getByTestId('password').fill(user.password)
    await page.getByTestId('submit').click()
    // The login page sends a signed-in user to its navigateAuthenticatedTo.
    await page.waitForURL(url => url.pathname === '/profile')
    await page.goto('/profile')
    await waitForHydration(page)

    const rounds: string[] = []
    for (let round = 0; round < 12; round++) {
      const sessionMode = MODES[Math.floor(next() * MODES.length)]!
      const refreshMode = MODES[Math.floor(next() * MODES.length)]!
      rounds.push(`${sessionMode}/${refreshMode}`)
      await backend.control({ faults: { '/api/auth/session': sessionMode, '/api/auth/refresh': refreshMode } })
      await page.getByTestId('recheck').click()
      // Let the check (or its timeout) play out; a refresh may run in between as tokens age.
      await page.waitForTimeout(1700)
      expect(new URL(page.url()).pathname, `seed ${seed}, rounds ${rounds.join(' ')}`).toBe('/profile')
      expect(await text(page, 'status'), `seed ${seed}, rounds ${rounds.join(' ')}`).not.toBe('unauthenticated')
      expect(await cookie(context, 'auth.refresh-token'), `seed ${seed}`).toBeTruthy()
    }

    await backend.control({ faults: { '/api/auth/session': 'none', '/api/auth/refresh': 'none' } })
    // A check started under the last fault may still be waiting for its timeout: let it end, then ask again.
    await page.waitForTimeout(2000)
    await page.getByTestId('recheck').click()
    // After many failures the refresh backs off (at most 15 s); the scheduled retry then restores the session.
    await expect.poll(async () => {
      if (await text(page, 'session-email') !== user.email && !(await page.getByTestId('recheck').isDisabled())) await page.getByTestId('recheck').click()
      return await text(page, 'session-email')
    }, { timeout: 40_000, interval: 2000 }).toBe(user.email)
    expect(await text(page, 'status')).toBe('authenticated')
    // The server took every fault without falling over.
    expect((await fetch(`${baseURL}/api/_test/counters`)).ok).toBe(true)
    await session.assertClean()
  }, 120_000)

  it.each([
    ['500', 'SERVER'],
    ['timeout', 'TIMEOUT'],
    ['html', 'BAD_RESPONSE'],
    ['malformed', 'BAD_RESPONSE'],
    ['empty-json', 'BAD_RESPONSE'],
  ])('a sign-in endpoint answering %s shows an error (%s), then signing in works', async (mode, code) => {
    const user = newUser()
    await backend.register(user)
    const session = await openSession(browser(), baseURL)
    session.expectFailedRequest(/status of 5\d\d/)
    const { page, context } = session
    await backend.fault('/api/auth/login', mode)
    await page.goto('/login')
    await waitForHydration(page)
    await page.getByTestId('email').fill(user.email)
    await page.getByTestId('password').fill(user.password)
    await page.getByTestId('submit').click()
    await page.getByTestId('error').waitFor()
    // The typed error, as the app's auth:error hook received it (the fixture's hook recorder).
    expect(await page.evaluate(() => (window as unknown as { __authHooks: { errors: string[] } }).__authHooks.errors)).toEqual([`signIn:${code}`])
    expect(new URL(page.url()).pathname).toBe('/login')
    expect(await cookie(context, 'auth.token')).toBeUndefined()

    await backend.fault('/api/auth/login', 'none')
    await page.getByTestId('submit').click()
    await page.waitForURL(url => url.pathname === '/profile')
    expect(await text(page, 'status')).toBe('authenticated')
    await session.assertClean()
  })
})
