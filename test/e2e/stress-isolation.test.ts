import { describe, expect, inject, it } from 'vitest'
import { Backend, newUser } from './helpers'

// Stress: many users at once on the built app. Every SSR response must show its own user and nobody
// else's, and never a token (no state shared between requests on the server).
const baseURL = inject('localBaseURL')
const backend = new Backend(baseURL)
const USERS = 50
const REQUESTS = 500
const CONCURRENCY = 50

describe('isolation under load', () => {
  it(`${REQUESTS} SSR requests by ${USERS} users at concurrency ${CONCURRENCY}: each sees only itself`, async () => {
    const users = await Promise.all(Array.from({ length: USERS }, async () => {
      const user = newUser()
      await backend.register(user)
      return { ...user, token: await backend.login(user.email, user.password) }
    }))
    const paths = ['/profile', '/stats', '/']
    let next = 0
    const failures: string[] = []
    let served = 0
    const worker = async () => {
      for (;;) {
        const index = next++
        if (index >= REQUESTS) return
        const user = users[index % USERS]!
        const path = paths[index % paths.length]!
        const response = await fetch(`${baseURL}${path}`, { headers: { cookie: `auth.token=${user.token}` } })
        const html = await response.text()
        served += 1
        if (response.status !== 200) failures.push(`${path} as ${user.email}: status ${response.status}`)
        if (!html.includes(user.name)) failures.push(`${path} as ${user.email}: own name missing`)
        for (const other of users) {
          if (other !== user && (html.includes(other.email) || html.includes(other.name))) failures.push(`${path} as ${user.email}: shows ${other.email}`)
          if (html.includes(other.token.split('.')[2]!)) failures.push(`${path} as ${user.email}: contains a token`)
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    expect(served).toBe(REQUESTS)
    expect(failures).toEqual([])
  }, 120_000)
})
