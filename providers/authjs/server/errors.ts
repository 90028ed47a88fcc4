/** A set-up problem of the Auth.js server half, named by the env var (or option) that fixes it. */
export interface AuthConfigIssue {
  env: string
  problem: string
  fix: string
}

export function describeIssue(issue: AuthConfigIssue): string {
  return `[nuxt-gatekeeper] ${issue.env} ${issue.problem}. Fix: ${issue.fix}.`
}
