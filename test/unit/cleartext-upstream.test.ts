import { describe, expect, it } from 'vitest'
import { cleartextUpstreamWarning, sendsTokenInClear } from '../../src/runtime/shared/cleartext-upstream'

describe('auth.forward upstreams that would carry the token in clear', () => {
  it('plain http to a public host is flagged; https, loopback, private networks and service names are not', () => {
    const flagged = ['http://shop.example.com/v1', 'http://8.8.8.8/', 'http://172.32.0.1/', 'http://[2001:db8::1]/', 'http://192.169.1.1/']
    const quiet = ['https://shop.example.com/v1', 'http://localhost:3001', 'http://api.localhost/', 'http://127.0.0.1:8080', 'http://[::1]:3000', 'http://10.1.2.3/', 'http://172.16.0.5/', 'http://172.31.255.1/', 'http://192.168.1.10/', 'http://orders:8080/', 'http://[fd12:3456::1]/']
    expect(flagged.filter(url => !sendsTokenInClear(new URL(url)))).toEqual([])
    expect(quiet.filter(url => sendsTokenInClear(new URL(url)))).toEqual([])
  })

  it('the warning names the prefix, the URL and the fix', () => {
    const warning = cleartextUpstreamWarning('/api/shop', 'http://shop.example.com/v1')
    expect(warning).toContain('/api/shop')
    expect(warning).toContain('http://shop.example.com/v1')
    expect(warning).toMatch(/https:\/\//)
  })
})
