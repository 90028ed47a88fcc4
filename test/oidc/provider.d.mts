// Types of the test OpenID provider (provider.mjs), for the TypeScript test set-up.
export const TEST_CLIENT_ID: string
export const TEST_CLIENT_SECRET: string
export const TEST_ACCOUNTS: Record<string, { password: string, email: string, name: string, email_verified?: boolean }>
export function testClient(redirectUris: string[], extra?: Record<string, unknown>): Record<string, unknown>
export function startOidcProvider(options?: {
  port?: number
  clients?: Array<Record<string, unknown>>
  accounts?: Record<string, { password: string, email: string, name: string, email_verified?: boolean }>
  autoConsent?: boolean
  onEvent?: (name: string, ...args: unknown[]) => void
  config?: Record<string, unknown>
}): Promise<{ issuer: string, port: number, close(): Promise<void> }>
