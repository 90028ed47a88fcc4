// The bench's charts (bench/lib/charts.mjs) drawn from a results JSON: well-formed SVG, one bar per variant
// with its label and figure, the reference lines, and an error when a variant's figures are missing.
// The sample is a fixture with the figures of the table in docs/benchmarks.md, not a measurement.
import { Window } from 'happy-dom'
import { afterAll, describe, expect, it } from 'vitest'
import { bytesChart, callsChart, renderCharts, ssrChart } from '../../bench/lib/charts.mjs'
import { renderBytesAdded, renderCounts, renderReport } from '../../bench/lib/report.mjs'
import { resultsJson } from '../../bench/lib/results.mjs'
import sampleJson from './fixtures/bench-sample.json'

const window = new Window()
afterAll(() => window.happyDOM.close())

type Instructions = { perView: number, compilePerView: number, collectorPerView: number }
type Sample = typeof sampleJson & { parts?: Record<string, { part: string, total: number, gzip: number }[]> }
const sample = (): Sample => structuredClone(sampleJson)

/** Parses with happy-dom's XML parser, which reports unbalanced tags, bare `&` and unquoted attributes. */
function parse(svg: string) {
  const document = new window.DOMParser().parseFromString(svg, 'image/svg+xml')
  const error = document.querySelector('parsererror')
  if (error) throw new Error(`not well-formed: ${error.textContent}`)
  expect(document.documentElement.tagName.toLowerCase()).toBe('svg')
  return document
}

/** The bars, by variant (and scenario): their visible texts (wrapped labels joined) and their rectangles. */
function bars(document: ReturnType<typeof parse>) {
  return [...document.querySelectorAll('g.bar')].map(group => ({
    variant: group.getAttribute('data-variant'),
    scenario: group.getAttribute('data-scenario'),
    title: group.querySelector('title')?.textContent ?? '',
    texts: [...group.querySelectorAll(':scope > text')].map(node => node.textContent),
    rects: [...group.querySelectorAll('rect')].map(rect => ({
      segment: rect.getAttribute('data-segment'),
      x: Number(rect.getAttribute('x')),
      width: Number(rect.getAttribute('width')),
    })),
  }))
}

/** An instruction count per view as bench/lib/instructions.mjs reports it. */
const counted = (perView: number): Instructions => ({ perView, compilePerView: 0, collectorPerView: 0 })
const labelOf = (name: string) => sampleJson.variants.find(variant => variant.name === name)!.label
const visible = (bar: ReturnType<typeof bars>[number]) => bar.texts.join(' ')
const end = (bar: ReturnType<typeof bars>[number]) => Math.max(...bar.rects.map(rect => rect.x + rect.width))

/** What run.mjs hands renderReport and resultsJson, built from the sample, with the figures under test added. */
function measuredFrom<Figures extends object>(figures: Figures) {
  const json = sample()
  return {
    variants: json.variants.map(variant => ({ ...variant, dir: '/tmp', env: {}, redis: false })),
    bytes: new Map(Object.entries(json.clientBytes)),
    throughput: new Map(Object.entries(json.ssr)),
    scenarios: new Map(Object.entries(json.scenarios)),
    options: json.options,
    machine: json.machine,
    date: json.date,
    ...figures,
  }
}

function referenceLine(document: ReturnType<typeof parse>) {
  const lines = document.querySelectorAll('line[data-reference]')
  expect(lines).toHaveLength(1)
  expect(lines[0]!.getAttribute('stroke-dasharray')).toBeTruthy()
  return Number(lines[0]!.getAttribute('x1'))
}

describe('every chart', () => {
  it('is a self-contained, accessible SVG on a white background', () => {
    for (const svg of Object.values(renderCharts(sample()))) {
      const document = parse(svg)
      const root = document.documentElement
      expect(root.getAttribute('role')).toBe('img')
      expect(root.getAttribute('aria-label')).toBeTruthy()
      expect(root.querySelector('title')?.textContent).toBeTruthy()
      expect(root.querySelector('desc')?.textContent).toBeTruthy()
      expect(root.getAttribute('viewBox')).toMatch(/^0 0 \d+ \d+$/)
      expect(root.querySelector('rect')?.getAttribute('fill')).toBe('#ffffff')
      expect(svg).not.toMatch(/<image|<script|href=/)
    }
  })

  it('escapes labels', () => {
    const json = sample()
    json.variants[1]!.label = 'a <b> & "c"'
    for (const svg of Object.values(renderCharts(json))) {
      expect(bars(parse(svg)).find(bar => bar.variant === json.variants[1]!.name)?.texts.join(' ')).toContain('a <b> & "c"')
    }
  })
})

describe('ssrChart', () => {
  it('draws one bar per variant with its label, ratio and req/s', () => {
    const found = bars(parse(ssrChart(sample())))
    expect(found.map(bar => bar.variant)).toEqual(sampleJson.variants.map(variant => variant.name))
    for (const bar of found) {
      const result = sampleJson.ssr[bar.variant as keyof typeof sampleJson.ssr]
      expect(visible(bar)).toContain(labelOf(bar.variant!))
      expect(visible(bar)).toContain(`${result.ratio.toFixed(2)}×`)
      expect(visible(bar)).toContain(`${result.median} req/s`)
    }
    const bare = found.find(bar => bar.variant === 'bare')!
    const incumbent = found.find(bar => bar.variant === 'sidebase-refresh')!
    expect(visible(bare)).toContain('1.00×')
    expect(visible(incumbent)).toContain('0.32×')
    // Bar lengths are the ratios.
    expect(incumbent.rects[0]!.width / bare.rects[0]!.width).toBeCloseTo(102 / 317, 2)
  })

  it('draws the 0.95 target as a dashed line where 0.95 of bare ends', () => {
    const document = parse(ssrChart(sample()))
    const bare = bars(document).find(bar => bar.variant === 'bare')!
    expect(referenceLine(document)).toBeCloseTo(bare.rects[0]!.x + 0.95 * bare.rects[0]!.width, 0)
    expect([...document.querySelectorAll('text')].map(node => node.textContent)).toContain('target 0.95× bare')
  })

  it('draws the instructions per view as a group of its own when the run counted them', () => {
    const json = sample() as Sample & { instructions?: Record<string, Instructions> }
    // bare 7.0 M; each auth variant a little more, the incumbent 20 M.
    json.instructions = Object.fromEntries(json.variants.map((variant, index) =>
      [variant.name, counted(variant.auth ? (variant.name === 'sidebase-refresh' ? 20e6 : 7e6 + index * 1e5) : 7e6)]))
    const document = parse(ssrChart(json))
    const byMetric = (metric: string) => [...document.querySelectorAll(`g.bar[data-metric="${metric}"]`)].map(group => group.getAttribute('data-variant'))
    expect(byMetric('instructions')).toEqual(json.variants.map(variant => variant.name))
    expect(byMetric('requests')).toEqual(json.variants.map(variant => variant.name))
    const group = (metric: string, variant: string) => document.querySelector(`g.bar[data-metric="${metric}"][data-variant="${variant}"]`)!
    const width = (metric: string, variant: string) => Number(group(metric, variant).querySelector('rect')!.getAttribute('width'))
    expect(group('instructions', 'sidebase-refresh').textContent).toContain('0.350×')
    expect(group('instructions', 'sidebase-refresh').textContent).toContain('20.00 M')
    expect(width('instructions', 'sidebase-refresh') / width('instructions', 'bare')).toBeCloseTo(0.35, 2)
    // The req/s bars keep their own ratios and figures, on the same scale.
    expect(group('requests', 'sidebase-refresh').textContent).toContain('0.32×')
    expect(width('requests', 'sidebase-refresh') / width('instructions', 'bare')).toBeCloseTo(102 / 317, 2)
    const texts = [...document.querySelectorAll('text')].map(node => node.textContent)
    expect(texts).toContain('Instructions per view')
    expect(texts).toContain('Requests per second')
    expect(referenceLine(document)).toBeCloseTo(Number(group('instructions', 'bare').querySelector('rect')!.getAttribute('x')) + 0.95 * width('instructions', 'bare'), 0)
  })

  it('draws req/s alone when a variant has no instruction count', () => {
    const json = sample() as Sample & { instructions?: Record<string, Instructions> }
    json.instructions = { bare: counted(7e6) }
    const document = parse(ssrChart(json))
    expect(document.querySelectorAll('g.bar[data-metric="instructions"]')).toHaveLength(0)
    expect(document.querySelectorAll('g.bar[data-metric="requests"]')).toHaveLength(json.variants.length)
  })

  it('prints failed requests', () => {
    const json = sample()
    json.ssr['gatekeeper-refresh'].failed = 12
    const bar = bars(parse(ssrChart(json))).find(bar => bar.variant === 'gatekeeper-refresh')!
    expect(visible(bar)).toContain('12 failed')
  })

  it('fails when a variant has no SSR figures, or there is no bare variant', () => {
    const json = sample()
    delete (json.ssr as Partial<typeof json.ssr>)['gatekeeper-local']
    expect(() => ssrChart(json)).toThrow(/gatekeeper-local/)
    const noBare = sample()
    noBare.variants = noBare.variants.filter(variant => variant.auth)
    expect(() => ssrChart(noBare)).toThrow(/bare/)
  })
})

describe('bytesChart', () => {
  it('draws the gzip bytes each auth variant adds to bare, with the incumbent as a reference line', () => {
    const document = parse(bytesChart(sample()))
    const found = bars(document)
    expect(found.map(bar => bar.variant)).toEqual(sampleJson.variants.filter(variant => variant.auth).map(variant => variant.name))
    const expected: Record<string, string> = {
      'gatekeeper-local': '+14.9 kB',
      'gatekeeper-local-jwt': '+14.9 kB',
      'gatekeeper-refresh': '+15.7 kB',
      'gatekeeper-sessions': '+15.0 kB',
      'gatekeeper-sessions-redis': '+15.0 kB',
      'sidebase-refresh': '+13.0 kB',
    }
    for (const bar of found) {
      expect(visible(bar)).toContain(labelOf(bar.variant!))
      expect(visible(bar)).toContain(expected[bar.variant!])
    }
    expect(visible(found.find(bar => bar.variant === 'gatekeeper-refresh')!)).toContain('+45.0 kB before gzip')
    const incumbent = found.find(bar => bar.variant === 'sidebase-refresh')!
    expect(referenceLine(document)).toBeCloseTo(end(incumbent), 0)
    expect([...document.querySelectorAll('text')].map(node => node.textContent)).toContain(`${labelOf('sidebase-refresh')}: +13.0 kB`)
  })

  it('names what a signed-in first visit downloads, from the first-visit bytes (a variant served from another build has its build\'s)', () => {
    const json = sample() as Sample & { firstVisitBytes?: Record<string, { files: number, total: number, gzip: number }> }
    json.firstVisitBytes = {
      'bare': { files: 6, total: 190_000, gzip: 72_400 },
      'gatekeeper-local': { files: 6, total: 220_000, gzip: 83_000 },
      'gatekeeper-refresh': { files: 4, total: 228_000, gzip: 84_600 },
      'sidebase-refresh': { files: 6, total: 228_000, gzip: 85_400 },
    }
    const found = bars(parse(bytesChart(json)))
    const bar = (name: string) => visible(found.find(entry => entry.variant === name)!)
    expect(bar('gatekeeper-local')).toContain('first visit +10.6 kB')
    expect(bar('gatekeeper-local-jwt')).toContain('first visit +10.6 kB')
    expect(bar('gatekeeper-refresh')).toContain('first visit +12.2 kB')
    expect(bar('sidebase-refresh')).toContain('first visit +13.0 kB')
    // Still the bytes of every chunk first.
    expect(bar('gatekeeper-refresh')).toContain('+15.7 kB')
    // No figure for a build the run did not open.
    expect(bar('gatekeeper-sessions')).not.toContain('first visit')
  })

  it('stacks the module\'s parts when the JSON has them, with a legend and the rest of the difference', () => {
    const json = sample()
    // As scripts/client-parts.mjs gives them: the module's parts, then `app` and `(unmapped)`, which are not stacked.
    const app = { part: 'app', total: 150_000, gzip: 60_000 }
    const unmapped = { part: '(unmapped)', total: 2_000, gzip: 1_000 }
    json.parts = {
      'bare': [{ part: 'app', total: 197_000, gzip: 75_000 }, unmapped],
      'gatekeeper-local': [{ part: 'manager', total: 30_000, gzip: 9_000 }, { part: 'guard', total: 8_000, gzip: 3_000 }, app, unmapped],
      'gatekeeper-refresh': [{ part: 'manager', total: 30_000, gzip: 9_000 }, { part: 'guard', total: 8_000, gzip: 3_000 }, { part: 'refresher', total: 7_000, gzip: 3_700 }, app, unmapped],
      'sidebase-refresh': [{ part: 'app', total: 235_000, gzip: 88_400 }, unmapped],
    }
    const document = parse(bytesChart(json))
    const found = bars(document)
    const local = found.find(bar => bar.variant === 'gatekeeper-local')!
    expect(local.rects.map(rect => rect.segment)).toEqual(['manager', 'guard', 'rest'])
    expect(local.rects[1]!.width / local.rects[0]!.width).toBeCloseTo(3 / 9, 1)
    expect(visible(local)).toContain('+14.9 kB')
    const refresh = found.find(bar => bar.variant === 'gatekeeper-refresh')!
    // 9 + 3 + 3.7 kB = the 15.7 kB added: no rest.
    expect(refresh.rects.map(rect => rect.segment)).toEqual(['manager', 'guard', 'refresher'])
    expect(visible(refresh)).toContain('+15.7 kB')
    // A variant served from another's build has its parts; one without parts of the module keeps a plain bar.
    expect(found.find(bar => bar.variant === 'gatekeeper-local-jwt')!.rects.map(rect => rect.segment)).toEqual(['manager', 'guard', 'rest'])
    expect(found.find(bar => bar.variant === 'sidebase-refresh')!.rects).toHaveLength(1)
    const texts = [...document.querySelectorAll('text')].map(node => node.textContent)
    expect(texts).toEqual(expect.arrayContaining(['manager', 'guard', 'refresher', 'rest (Nuxt, app code, glue) minus bare’s']))
    expect(texts).not.toContain('app')
    // Figures on the segments wide enough for them.
    expect(local.texts).toEqual(expect.arrayContaining(['9.0', '3.0']))
  })

  it('draws a run where no variant adds bytes (and no incumbent ran) with a scale, instead of looping for ever', () => {
    const json = sample()
    json.variants = json.variants.filter(variant => !variant.name.startsWith('sidebase'))
    const clientBytes = json.clientBytes as Record<string, { total: number, gzip: number }>
    for (const variant of json.variants) clientBytes[variant.name] = clientBytes.bare!
    const found = bars(parse(bytesChart(json)))
    expect(found.length).toBeGreaterThan(0)
    expect(visible(found.find(bar => bar.variant === 'gatekeeper-local')!)).toContain('+0.0 kB')
  })

  it('fails when a variant has no client JS figures', () => {
    const json = sample()
    delete (json.clientBytes as Partial<typeof json.clientBytes>)['sidebase-refresh']
    expect(() => bytesChart(json)).toThrow(/sidebase-refresh/)
  })
})

describe('callsChart', () => {
  it('draws one bar per variant in each scenario of the table, with the calls written on it', () => {
    const document = parse(callsChart(sample()))
    const texts = [...document.querySelectorAll('text')].map(node => node.textContent)
    expect(texts).toEqual(expect.arrayContaining([
      'Full load + hydration',
      '3 client-side navigations',
      'Reload, expired access token',
      '20 concurrent API calls, expired token',
      '3 tabs across expiries (8 s tokens), then 1 API call per tab',
    ]))
    const found = bars(document)
    const withScenarios = ['gatekeeper-local', 'gatekeeper-local-jwt', 'gatekeeper-refresh', 'sidebase-refresh']
    const withRefresh = ['gatekeeper-refresh', 'sidebase-refresh']
    const inScenario = (scenario: string) => found.filter(bar => bar.scenario === scenario).map(bar => bar.variant)
    expect(inScenario('load')).toEqual(withScenarios)
    expect(inScenario('navigate')).toEqual(withScenarios)
    expect(inScenario('expiredReload')).toEqual(withRefresh)
    expect(inScenario('burst')).toEqual(withRefresh)
    expect(inScenario('tabs')).toEqual(withRefresh)
    expect(texts).toContain('n/a for the 2 variants without a refresh token')
    for (const bar of found) expect(visible(bar)).toContain(labelOf(bar.variant!))

    const burst = (variant: string) => found.find(bar => bar.scenario === 'burst' && bar.variant === variant)!
    expect(visible(burst('gatekeeper-refresh'))).toContain('21 calls: 1 refresh · 20 API')
    expect(visible(burst('gatekeeper-refresh'))).toContain('20/20 succeeded')
    expect(visible(burst('sidebase-refresh'))).toContain('42 calls: 1 session · 20 refreshes · 21 API')
    expect(visible(burst('sidebase-refresh'))).toContain('0/20 succeeded')
    // Stacked session, refresh and API segments on one scale.
    const segments = Object.fromEntries(burst('sidebase-refresh').rects.map(rect => [rect.segment, rect.width]))
    expect(segments.refresh! / segments.data!).toBeCloseTo(20 / 21, 1)
    expect(end(burst('sidebase-refresh'))).toBeGreaterThan(end(burst('gatekeeper-refresh')))
    // Segments wide enough carry their count.
    expect(burst('sidebase-refresh').texts).toEqual(expect.arrayContaining(['20', '21']))
    const tabs = (variant: string) => visible(found.find(bar => bar.scenario === 'tabs' && bar.variant === variant)!)
    expect(tabs('gatekeeper-refresh')).toContain('8 calls: 5 refreshes · 3 API')
    expect(tabs('gatekeeper-refresh')).toContain('3/3 API calls succeeded')
    expect(tabs('sidebase-refresh')).toContain('0/3 API calls succeeded · 1 reuse detection')
    expect(visible(found.find(bar => bar.scenario === 'navigate' && bar.variant === 'gatekeeper-local')!)).toContain('0 calls')
  })

  it('fails when no variant has browser scenarios, or a variant its SSR figures', () => {
    const json = sample()
    json.scenarios = {} as typeof json.scenarios
    expect(() => callsChart(json)).toThrow(/scenarios/)
    const missing = sample()
    delete (missing.ssr as Partial<typeof missing.ssr>).bare
    expect(() => callsChart(missing)).toThrow(/bare/)
  })
})

describe('resultsJson', () => {
  it('takes the ratio measured beside bare over the ratio of the medians (the paired SSR run)', () => {
    const json = sample()
    const variants = json.variants.map(variant => ({ ...variant, dir: '/tmp', env: {}, redis: false }))
    const throughput = new Map<string, { median: number, samples: number[], backendCallsPerView: number, failed: number, [key: string]: unknown }>(Object.entries(json.ssr).map(([name, { ratio: _ratio, ...result }]) => [name, result]))
    throughput.set('gatekeeper-local', { ...throughput.get('gatekeeper-local')!, ratio: 0.91, pairRatios: [0.9, 0.91, 0.93], requestRatio: 0.93, cpuMsPerView: 2.5, cpuRatio: 0.9 })
    const built = resultsJson({ variants, bytes: new Map(Object.entries(json.clientBytes)), throughput, scenarios: new Map(Object.entries(json.scenarios)), options: json.options, machine: json.machine, date: json.date })
    expect(built.ssr['gatekeeper-local']).toMatchObject({ ratio: 0.91, pairRatios: [0.9, 0.91, 0.93], requestRatio: 0.93, cpuMsPerView: 2.5, cpuRatio: 0.9 })
    // A variant measured the old way keeps the ratio of the medians.
    expect(built.ssr['sidebase-refresh']!.ratio).toBeCloseTo(102 / 317, 5)
    expect(built.ssr['sidebase-refresh']).not.toHaveProperty('pairRatios')
    const svg = renderCharts(built)['ssr.svg']
    expect(svg).toContain('0.91×')
    // Paired: the timed group is the CPU time per view beside bare, not req/s.
    expect(svg).toContain('by requests 0.93×')
    expect(svg).toContain('CPU time per view, each variant beside a fresh bare server on one core')
    expect(svg).not.toContain('Requests per second')
  })

  it('carries bare timed beside a second bare server, and draws it as bare\'s bar in the timed group and its cell in the table', () => {
    const json = sample()
    const variants = json.variants.map(variant => ({ ...variant, dir: '/tmp', env: {}, redis: false }))
    const throughput = new Map<string, { median: number, samples: number[], backendCallsPerView: number, failed: number, [key: string]: unknown }>(Object.entries(json.ssr).map(([name, { ratio: _ratio, ...result }]) => [name, { ...result, requestRatio: 1, cpuMsPerView: 2, cpuRatio: 1 }]))
    throughput.set('bare', { ...throughput.get('bare')!, control: { cpuRatio: 0.97, pairRatios: [1.02, 0.94, 0.97], requestRatio: 0.98 } })
    const options = { ...json.options, pairs: 3 }
    const built = resultsJson({ variants, bytes: new Map(Object.entries(json.clientBytes)), throughput, scenarios: new Map(Object.entries(json.scenarios)), options, machine: json.machine, date: json.date })
    expect(built.ssr.bare).toMatchObject({ ratio: 1, control: { cpuRatio: 0.97, pairRatios: [1.02, 0.94, 0.97] } })
    const bareBar = bars(parse(ssrChart(built))).find(bar => bar.variant === 'bare')!
    expect(bareBar.title).toContain('0.97× bare')
    expect(visible(bareBar)).toContain('a second bare beside it · pairs 0.94 to 1.02')
    const table = renderReport({ variants, bytes: new Map(Object.entries(json.clientBytes)), throughput, scenarios: new Map(Object.entries(json.scenarios)), options, machine: json.machine, date: json.date })
    const ssrRow = table.split('\n').find(line => line.startsWith('| SSR of /a'))!
    expect(ssrRow.split(' | ')[1]).toBe('1.00× (2.00 ms); a second bare beside it: 0.97× (pairs 0.94 to 1.02)')
    // The machine line says how the table was made: the command run.mjs was given, else the plain one.
    expect(table).toContain(`Run ${json.date} with \`npm run bench\`.`)
    const flagged = renderReport({ variants, bytes: new Map(Object.entries(json.clientBytes)), throughput, scenarios: new Map(Object.entries(json.scenarios)), options, machine: json.machine, date: json.date, command: 'npm run bench -- --rounds 7 --pairs 7' })
    expect(flagged).toContain(`Run ${json.date} with \`npm run bench -- --rounds 7 --pairs 7\`.`)
  })

  it('turns what run.mjs measured (Maps) into the JSON the charts draw', () => {
    const json = sample()
    const variants = json.variants.map(variant => ({ ...variant, dir: '/tmp', env: {}, redis: false }))
    const built = resultsJson({
      variants,
      bytes: new Map(Object.entries(json.clientBytes)),
      throughput: new Map(Object.entries(json.ssr).map(([name, { ratio: _ratio, ...result }]) => [name, result])),
      api: json.api.map(({ ratio: _ratio, ...target }) => target),
      instances: json.instances,
      scenarios: new Map(Object.entries(json.scenarios)),
      options: json.options,
      machine: json.machine,
      date: json.date,
    })
    expect(Object.keys(built)).toEqual(['date', 'machine', 'options', 'variants', 'clientBytes', 'ssr', 'api', 'instances', 'scenarios'])
    expect(built.variants[2]).toEqual({ name: 'gatekeeper-local-jwt', label: labelOf('gatekeeper-local-jwt'), auth: true, refresh: false, sessions: false, builtAs: 'gatekeeper-local' })
    expect(built.ssr['sidebase-refresh']!.ratio).toBeCloseTo(102 / 317, 5)
    expect(built.api[1]!.ratio).toBeCloseTo(1603 / 6762, 5)
    expect(JSON.parse(JSON.stringify(built)).scenarios).toEqual(json.scenarios)
    expect(renderCharts(built)['ssr.svg']).toContain('0.32×')
    // parts: a list per variant, or scripts/client-parts.mjs's whole result, of which only part, total and gzip stay.
    const withParts = resultsJson({ ...built, variants, bytes: new Map(), throughput: new Map(), parts: new Map<string, unknown>([
      ['gatekeeper-local', [{ part: 'manager', total: 2, gzip: 1 }]],
      ['gatekeeper-refresh', { total: 3, gzip: 2, files: [], parts: [{ part: 'manager', total: 3, gzip: 2, files: ['a.js'], sources: [] }] }],
    ]) })
    expect(withParts.parts).toEqual({ 'gatekeeper-local': [{ part: 'manager', total: 2, gzip: 1 }], 'gatekeeper-refresh': [{ part: 'manager', total: 3, gzip: 2 }] })
  })

  it('carries the server memory a view allocates, and the table shows it against bare', () => {
    const allocation = new Map([['bare', { bytesPerView: 379_200, samples: [379_200] }], ['gatekeeper-local', { bytesPerView: 416_600, samples: [416_600] }]])
    const measured = measuredFrom({ allocation })
    expect(resultsJson(measured).allocation).toEqual(Object.fromEntries(allocation))
    expect(resultsJson({ ...measured, allocation: new Map() })).not.toHaveProperty('allocation')
    const row = renderReport(measured).split('\n').find(line => line.startsWith('| server memory allocated per SSR view'))!
    const cells = row.split(' | ').slice(1)
    expect(cells[0]).toBe('379.2 kB')
    expect(cells[1]).toBe('416.6 kB (+37.4 kB)')
    // Variants not measured show a dash, as every other row does.
    expect(cells.at(-1)).toBe('— |')
  })

  it('carries the instructions a view executes, and the table shows them against bare', () => {
    const instructions = new Map([['bare', { perView: 3_485_000, compilePerView: 3_400_000, collectorPerView: 1_300_000 }], ['gatekeeper-local', { perView: 3_826_000, compilePerView: 3_800_000, collectorPerView: 1_500_000 }]])
    const measured = measuredFrom({ instructions })
    const { variants } = measured
    expect(resultsJson(measured).instructions).toEqual(Object.fromEntries(instructions))
    expect(resultsJson({ ...measured, instructions: new Map() })).not.toHaveProperty('instructions')
    const row = renderReport(measured).split('\n').find(line => line.startsWith('| server instructions per SSR view'))!
    const cells = row.split(' | ').slice(1)
    expect(cells[0]).toBe('3.485 M (1.000×)')
    expect(cells[1]).toBe('3.826 M (0.911×)')
    expect(cells.at(-1)).toBe('— |')
    // --counts: the same two rows alone.
    const counts = renderCounts({ variants, instructions, allocation: new Map([['bare', { bytesPerView: 379_200, samples: [] }]]), machine: 'm', date: 'd' })
    expect(counts.split('\n').filter(line => line.startsWith('| server '))).toHaveLength(2)
    expect(counts).toContain('| 3.826 M (0.911×) |')
  })

  it('carries the heap held after first visits, and the tables show it per visit', () => {
    const held = new Map<string, { heldBytes: number, visits: number, refreshing?: { heldBytes: number, visits: number } }>([
      ['bare', { heldBytes: 2_000_000, visits: 2000 }],
      ['gatekeeper-local', { heldBytes: 3_300_000, visits: 2000 }],
      ['gatekeeper-refresh', { heldBytes: 3_400_000, visits: 2000, refreshing: { heldBytes: 5_300_000, visits: 1000 } }],
    ])
    const measured = measuredFrom({ held })
    const { variants } = measured
    expect(resultsJson(measured).held).toEqual(Object.fromEntries(held))
    expect(resultsJson({ ...measured, held: new Map() })).not.toHaveProperty('held')
    const heldRow = (table: string) => table.split('\n').filter(line => line.startsWith('| server heap held after 2000 first visits'))
    const cells = heldRow(renderReport(measured))[0]!.split(' | ').slice(1)
    expect(cells[0]).toBe('+2.0 MB (+1.0 kB a visit)')
    expect(cells[1]).toBe('+3.3 MB (+1.6 kB a visit)')
    expect(cells.at(-1)).toBe('— |')
    // The refreshing views: their own row, n/a where the server does not refresh, nothing for bare.
    const refreshing = renderReport(measured).split('\n').find(line => line.startsWith('| … then after 1000 views that each refresh on the server'))!.split(' | ').slice(1)
    const column = (name: string) => variants.findIndex(variant => variant.name === name)
    expect(refreshing[column('bare')]).toBe('—')
    expect(refreshing[column('gatekeeper-local')]).toBe('n/a (no refresh-token cookie)')
    expect(refreshing[column('gatekeeper-refresh')]).toBe('+5.3 MB (+5.3 kB a refresh)')
    // Not measured: no row at all (a row of dashes says nothing).
    expect(heldRow(renderReport({ ...measured, held: new Map() }))).toHaveLength(0)
    // --held: that row alone, and the command that made it.
    const alone = renderCounts({ variants, instructions: new Map(), allocation: new Map(), held, machine: 'm', date: 'd', command: 'npm run bench -- --held' })
    expect(alone.split('\n').filter(line => line.startsWith('| server '))).toEqual(heldRow(alone))
    expect(heldRow(alone)).toHaveLength(1)
    expect(alone.split('\n').filter(line => line.startsWith('| … then after 1000 views'))).toHaveLength(1)
    expect(alone).toContain('Run d with `npm run bench -- --held`.')
  })

  it('carries the page\'s heap after navigations, and the tables show it per navigation over bare\'s', () => {
    const navigation = new Map([['bare', { heldBytes: 1_000_000, navigations: 600 }], ['gatekeeper-refresh', { heldBytes: 1_060_000, navigations: 600 }], ['sidebase-refresh', { heldBytes: 4_600_000, navigations: 600 }]])
    const measured = measuredFrom({ navigation })
    const { variants } = measured
    expect(resultsJson(measured).navigationHeap).toEqual(Object.fromEntries(navigation))
    expect(resultsJson({ ...measured, navigation: new Map() })).not.toHaveProperty('navigationHeap')
    const navigationRows = (table: string) => table.split('\n').filter(line => line.startsWith('| browser JS heap held after 600 client-side navigations'))
    const cells = navigationRows(renderReport(measured))[0]!.slice(2, -2).split(' | ').slice(1)
    const column = (name: string) => variants.findIndex(variant => variant.name === name)
    expect(cells[column('bare')]).toBe('+1.0 MB')
    expect(cells[column('gatekeeper-refresh')]).toBe('+1.1 MB (+0.1 kB a navigation)')
    expect(cells[column('sidebase-refresh')]).toBe('+4.6 MB (+6.0 kB a navigation)')
    expect(cells[column('gatekeeper-local')]).toBe('—')
    expect(navigationRows(renderReport({ ...measured, navigation: new Map() }))).toHaveLength(0)
    const alone = renderCounts({ variants, instructions: new Map(), allocation: new Map(), navigation, machine: 'm', date: 'd', command: 'npm run bench -- --held' })
    expect(navigationRows(alone)).toHaveLength(1)
  })
})

describe('the app that already uses useFetch', () => {
  const variants = [
    { name: 'bare', label: 'bare (no auth)', auth: false },
    { name: 'gatekeeper-local', label: 'nuxt-gatekeeper local', auth: true },
    { name: 'sidebase-local', label: '@sidebase/nuxt-auth 1.3.1 local', auth: true },
  ]
  const bytes = new Map([
    ['bare', { all: { total: 215_000, gzip: 83_256 }, initial: { total: 200_000, gzip: 78_100 } }],
    ['gatekeeper-local', { all: { total: 249_000, gzip: 95_018 }, initial: { total: 226_000, gzip: 87_000 } }],
    ['sidebase-local', { all: { total: 237_000, gzip: 89_615 }, initial: { total: 222_000, gzip: 84_500 } }],
  ])

  it('tables what each module adds to it against its own baseline, over every chunk and over the files every page loads first', () => {
    const lines = renderBytesAdded({ title: 'client JS added to an app that already uses useFetch', variants, bytes }).split('\n')
    expect(lines[0]).toBe('| client JS added to an app that already uses useFetch (gzip) | nuxt-gatekeeper local | @sidebase/nuxt-auth 1.3.1 local |')
    expect(lines[2]).toBe('| every chunk (the app without auth: 83.3 kB) | +11.8 kB | +6.4 kB |')
    expect(lines[3]).toBe('| the files every page loads first (78.1 kB) | +8.9 kB | +6.4 kB |')
  })

  it('goes into the results JSON as measured', () => {
    const json = sample()
    const built = resultsJson({ ...json, variants: json.variants, bytes: new Map(), throughput: new Map(), scenarios: new Map(), withUseFetch: bytes })
    expect(built.withUseFetchBytes).toEqual(Object.fromEntries(bytes))
    expect(built).not.toHaveProperty('authjsBytes')
    // The Auth.js builds (bytes only) go in under their own key, the same shape.
    expect(resultsJson({ ...json, variants: json.variants, bytes: new Map(), throughput: new Map(), scenarios: new Map(), authjsBytes: bytes }).authjsBytes).toEqual(Object.fromEntries(bytes))
  })
})
