import config from '#auth-config'
import { describeIssue } from './errors'
import { resolveSecret } from './secret'
import { authjsSettings } from './settings'

// A production server without a secret fails when it starts, not at the first sign-in.
export default () => {
  const result = resolveSecret([config.secret, authjsSettings().secret, process.env.AUTH_SECRET], Boolean(import.meta.dev))
  if ('issue' in result) throw new Error(describeIssue(result.issue))
}
