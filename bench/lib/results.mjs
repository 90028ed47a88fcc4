// The bench's results as JSON (bench/results/latest.json), written by run.mjs after every full run next to the
// markdown table, and the charts drawn from it (docs/public/benchmarks/*.svg, see bench/lib/charts.mjs).
//
// The shape (keep it stable: the charts and anything else reading the file depend on it):
//
//   {
//     date: '2026-11-30',                    // the run's day (UTC)
//     machine: 'linux …, 2 × …, Node …, chromium-headless-shell …',   // the browser's binary and version (browserLabel)
//     options: { rounds, duration, connections, signInRuns, tabsTtl, repeat, soakTtl },
//     variants: [{ name, label, auth, refresh, sessions, builtAs? }],   // bench/lib/variants.mjs, in table order
//     clientBytes: { [variant]: { total, gzip } },                      // bytes of the client JS
//     firstVisitBytes: { [variant]: { files, total, gzip } },           // the scripts a signed-in first visit loads (Chromium)
//     withUseFetchBytes: { [variant]: { all, initial } },               // the same app with a useFetch page (bench/usefetch):
//                                                                       // every client JS file, and the entry with its static
//                                                                       // imports, each { total, gzip }; absent when not measured
//     authjsBytes: { [variant]: { all, initial } },                     // the app with an Auth.js provider (bench/authjs),
//                                                                       // and bare: the same two figures; absent when not measured
//     parts: { [variant]: [{ part, total, gzip }] },                    // client JS per part (scripts/client-parts.mjs:
//                                                                       // the module's parts, `app` and `(unmapped)`,
//                                                                       // adding up to clientBytes; the Auth.js builds' to
//                                                                       // authjsBytes[name].all); absent when not measured
//     ssr: { [variant]: { median, ratio, pairRatios?, requestRatio?, control?, samples, cpuMsPerView, cpuRatio, backendCallsPerView, failed } },
//                                                                       // median: req/s; ratio: bare's CPU per view over this
//                                                                       // one's, timed together (bench/lib/throughput.mjs), the
//                                                                       // median of the pairs (pairRatios); requestRatio: the
//                                                                       // requests' ratio in the same windows; results before the
//                                                                       // paired runs: ratio = median / bare's median; control
//                                                                       // (bare only): { cpuRatio, pairRatios, requestRatio } of
//                                                                       // bare timed beside a second bare server
//     allocation: { [variant]: { bytesPerView, samples } },            // server memory a view allocates (bench/lib/allocation.mjs);
//                                                                       // absent when not measured
//     instructions: { [variant]: { perView, compilePerView, collectorPerView } },   // per SSR view (bench/lib/instructions.mjs):
//                                                                       // counted, and the compilers' and GC's left out of it; absent when not measured
//     held: { [variant]: { heldBytes, visits, refreshing? } },         // heap still reachable after `visits` first visits,
//                                                                       // and (refreshing: { heldBytes, visits }) after views
//                                                                       // that refresh on the server (bench/lib/held.mjs);
//                                                                       // absent when not measured
//     navigationHeap: { [variant]: { heldBytes, navigations } },       // the page's JS heap after GC, after client-side
//                                                                       // navigations (bench/lib/browser.mjs); absent when not measured
//     api: [{ label, median, ratio, backendCallsPerRequest, failed }],  // ratio = median / the first (no auth) target's
//     instances: { one, two } | null,                                   // req/s through the proxy, session mode on Redis
//     scenarios: {                                                      // the browser scenarios (bench/lib/browser.mjs)
//       [variant]: {
//         [scenario]: { calls: { session, refresh, data }, signedOut, reuseDetections, errors: [string],
//                       succeeded? ('20/20', burst), lifetimes?, apiOk? (tabs) },
//         signIn: { median, times: [ms], errors: [string] },
//       },
//     },
//   }
//
// Scenario names: load, navigate, expiredReload, burst, tabs (the last three only for variants with a refresh
// token); variants in session mode and those left out with --only have no entry.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { renderCharts } from './charts.mjs'

/**
 * The JSON's types (see the shape above).
 * @typedef {{ name: string, label: string, auth: boolean, refresh: boolean, sessions?: boolean, builtAs?: string }} Variant
 * @typedef {{ total: number, gzip: number }} Bytes
 * @typedef {{ part: string, total: number, gzip: number }} PartBytes
 * @typedef {{ median: number, ratio?: number, pairRatios?: number[], requestRatio?: number, control?: { cpuRatio: number, pairRatios: number[], requestRatio: number }, samples: number[], cpuMsPerView?: number, cpuRatio?: number, backendCallsPerView: number, failed: number }} Throughput
 * @typedef {{ bytesPerView: number, samples: number[] }} Allocation
 * @typedef {{ perView: number, compilePerView: number, collectorPerView: number }} Instructions
 * @typedef {{ heldBytes: number, visits: number, refreshing?: { heldBytes: number, visits: number } }} Held
 * @typedef {{ heldBytes: number, navigations: number }} NavigationHeap
 * @typedef {{ label: string, median: number, backendCallsPerRequest: number, failed: number }} ApiThroughput
 * @typedef {{ session: number, refresh: number, data: number }} Calls
 * @typedef {{ calls: Calls, signedOut: number, reuseDetections: number, errors: string[], succeeded?: string, lifetimes?: number, apiOk?: number }} ScenarioResult
 * @typedef {{ median: number, times: number[], errors: string[] }} SignInResult
 * @typedef {{ [scenario: string]: ScenarioResult | SignInResult }} VariantScenarios
 * @typedef {{
 *   date: string, machine: string, options: Record<string, number>, variants: Variant[],
 *   clientBytes: Record<string, Bytes>, parts?: Record<string, PartBytes[]>,
 *   firstVisitBytes?: Record<string, Bytes & { files: number }>, withUseFetchBytes?: Record<string, { all: Bytes, initial: Bytes }>,
 *   authjsBytes?: Record<string, { all: Bytes, initial: Bytes }>,
 *   ssr: Record<string, Throughput & { ratio: number }>, allocation?: Record<string, Allocation>,
 *   instructions?: Record<string, Instructions>, held?: Record<string, Held>,
 *   navigationHeap?: Record<string, NavigationHeap>,
 *   api: (ApiThroughput & { ratio: number })[],
 *   instances: { one: number, two: number } | null, scenarios: Record<string, VariantScenarios>,
 * }} BenchResults
 */

/** @type {<T>(value: Map<string, T> | Record<string, T>) => Record<string, T>} */
const plain = value => value instanceof Map ? Object.fromEntries(value) : value
/** A variant's parts as `[{ part, total, gzip }]`, from that list or from scripts/client-parts.mjs's whole result. */
const partList = value => (Array.isArray(value) ? value : value?.parts ?? []).map(({ part, total, gzip }) => ({ part, total, gzip }))

/**
 * The JSON from what run.mjs measured (Maps keyed by variant name, as renderReport takes them).
 * @param {{
 *   variants: Variant[], bytes: Map<string, Bytes> | Record<string, Bytes>,
 *   parts?: Map<string, unknown> | Record<string, unknown>,
 *   withUseFetch?: Map<string, { all: Bytes, initial: Bytes }> | Record<string, { all: Bytes, initial: Bytes }>,
 *   authjsBytes?: Map<string, { all: Bytes, initial: Bytes }> | Record<string, { all: Bytes, initial: Bytes }>,
 *   throughput: Map<string, Throughput> | Record<string, Throughput>,
 *   allocation?: Map<string, Allocation> | Record<string, Allocation>,
 *   instructions?: Map<string, Instructions> | Record<string, Instructions>,
 *   held?: Map<string, Held> | Record<string, Held>,
 *   navigation?: Map<string, NavigationHeap> | Record<string, NavigationHeap>, api?: ApiThroughput[],
 *   instances?: { one: number, two: number } | null,
 *   scenarios: Map<string, VariantScenarios> | Record<string, VariantScenarios>,
 *   options: Record<string, number>, machine: string, date: string,
 * }} measured
 * @returns {BenchResults} the JSON written to bench/results/latest.json
 */
export function resultsJson({ variants, bytes, firstVisit, parts, withUseFetch, authjsBytes, throughput, allocation, instructions, held, navigation, api = [], instances = null, scenarios, options, machine, date }) {
  const bare = variants.find(variant => !variant.auth)
  const bareMedian = plain(throughput)[bare.name]?.median
  const partsObject = parts && Object.fromEntries(Object.entries(plain(parts)).map(([name, value]) => [name, partList(value)]))
  return {
    date,
    machine,
    options,
    variants: variants.map(variant => ({
      name: variant.name,
      label: variant.label,
      auth: variant.auth,
      refresh: variant.refresh,
      sessions: Boolean(variant.sessions),
      ...(variant.builtAs ? { builtAs: variant.builtAs } : {}),
    })),
    clientBytes: plain(bytes),
    ...(firstVisit ? { firstVisitBytes: plain(firstVisit) } : {}),
    ...(partsObject && Object.keys(partsObject).length ? { parts: partsObject } : {}),
    ...(withUseFetch ? { withUseFetchBytes: plain(withUseFetch) } : {}),
    ...(authjsBytes ? { authjsBytes: plain(authjsBytes) } : {}),
    ssr: Object.fromEntries(Object.entries(plain(throughput)).map(([name, result]) => [name, {
      median: result.median,
      ratio: result.ratio ?? result.median / bareMedian,
      ...(result.pairRatios ? { pairRatios: result.pairRatios } : {}),
      ...(result.requestRatio === undefined ? {} : { requestRatio: result.requestRatio }),
      ...(result.control ? { control: result.control } : {}),
      samples: result.samples,
      ...(result.cpuMsPerView === undefined ? {} : { cpuMsPerView: result.cpuMsPerView, cpuRatio: result.cpuRatio ?? plain(throughput)[bare.name].cpuMsPerView / result.cpuMsPerView }),
      backendCallsPerView: result.backendCallsPerView,
      failed: result.failed,
    }])),
    ...(allocation && Object.keys(plain(allocation)).length ? { allocation: plain(allocation) } : {}),
    ...(instructions && Object.keys(plain(instructions)).length ? { instructions: plain(instructions) } : {}),
    ...(held && Object.keys(plain(held)).length ? { held: plain(held) } : {}),
    ...(navigation && Object.keys(plain(navigation)).length ? { navigationHeap: plain(navigation) } : {}),
    api: api.map(target => ({
      label: target.label,
      median: target.median,
      ratio: target.median / api[0].median,
      backendCallsPerRequest: target.backendCallsPerRequest,
      failed: target.failed,
    })),
    instances: instances ?? null,
    scenarios: plain(scenarios),
  }
}

/** Writes the three SVGs into `dir` (by default docs/public/benchmarks); returns their paths. */
export function writeCharts(json, dir) {
  mkdirSync(dir, { recursive: true })
  return Object.entries(renderCharts(json)).map(([file, svg]) => {
    const path = join(dir, file)
    writeFileSync(path, `${svg}\n`)
    return path
  })
}

export function writeResultsJson(json, path) {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`)
}
