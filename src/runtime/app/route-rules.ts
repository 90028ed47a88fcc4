import type { H3Event } from 'h3'

/** The route rules Nitro matched for this request (the parts the module reads). */
interface MatchedRules { swr?: unknown, isr?: unknown, cache?: unknown, auth?: { disableServerSideAuth?: boolean } }

export function routeRulesOf(event: H3Event | undefined): MatchedRules | undefined {
  return (event?.context as { _nitro?: { routeRules?: MatchedRules } } | undefined)?._nitro?.routeRules
}

/**
 * Whether Nitro renders this for its cache (a `swr`, `isr` or `cache` route rule): served again later, to anyone,
 * and rendered without the visitor's cookies (its event shares only the visitor's context).
 */
export function renderedForCache(event: H3Event | undefined): boolean {
  const rules = routeRulesOf(event)
  return event?.context.cache !== undefined || Boolean(rules?.swr || rules?.isr || rules?.cache)
}
