// The benchmark's main figures as charts: pure functions from the results JSON (bench/results/latest.json, its
// shape is described in bench/lib/results.mjs) to self-contained SVG strings, no dependencies. The docs show
// them as images (docs/public/benchmarks/*.svg), so each draws its own white background and dark text and
// reads the same in the light and the dark theme. Every bar is a `<g data-variant="…">` with a `<title>`
// (label and figures) for tooltips and tests; the figures are also written on or next to the bar.

import { pairRange } from './stats.mjs'

/** @typedef {import('./results.mjs').BenchResults} BenchResults */

const FONT = 'system-ui, -apple-system, \'Segoe UI\', Roboto, Helvetica, Arial, sans-serif'
const WIDTH = 720
const PAD = 20
const TEXT = '#1f2328'
const MUTED = '#57606a'
const GRID = '#d8dee4'
const BAD = '#cf222e'
const FAMILY = { bare: '#6e7781', gatekeeper: '#1f7a5c', incumbent: '#c2611f' }
const REST = '#c6cdd4'
const REST_LABEL = 'rest (Nuxt, app code, glue) minus bare\u2019s'
/** The parts of scripts/client-parts.mjs that are not nuxt-gatekeeper's (its APP_PART and UNMAPPED). */
const NOT_MODULE_PARTS = ['app', '(unmapped)']
// Fourteen colours for the module's parts (scripts/client-parts.mjs has about as many); text on them is dark or
// white by their lightness.
const PART_COLORS = ['#1f7a5c', '#4e79a7', '#f28e2b', '#b07aa1', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#9c755f', '#ff9da7', '#0072b2', '#8cd17d', '#d37295', '#a0cbe8']
const CALL_KINDS = [
  { key: 'session', label: 'session', color: '#0072b2' },
  { key: 'refresh', label: 'refresh', color: '#e69f00' },
  { key: 'data', label: 'API (/api/data)', color: '#6e56cf' },
]
/** The browser scenarios of the table, in its order (bench/lib/browser.mjs). */
export const SCENARIOS = [
  { key: 'load', title: 'Full load + hydration' },
  { key: 'navigate', title: '3 client-side navigations' },
  { key: 'expiredReload', title: 'Reload, expired access token', refresh: true },
  { key: 'burst', title: '20 concurrent API calls, expired token', refresh: true },
  { key: 'tabs', title: tabsTtl => `3 tabs across expiries (${tabsTtl} s tokens), then 1 API call per tab`, refresh: true },
]

const LABEL_SIZE = 13
const LABEL_COLUMN = 230
const BAR = 20

export function escapeXml(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/**
 * An estimate of a text's width (no font metrics in Node), measured against DejaVu Sans, the widest of the
 * usual sans-serif fonts (Linux's default); narrower system fonts leave some room.
 */
export function textWidth(text, size, { bold = false } = {}) {
  let em = 0
  for (const char of String(text)) {
    if ('il.,:;|!\'’ ()[]·'.includes(char)) em += 0.32
    else if ('fjrt-/'.includes(char)) em += 0.4
    else if ('mwMW@'.includes(char)) em += 0.92
    else if (/\d/.test(char)) em += 0.64
    else if (/[A-Z+×=<>#%&]/.test(char)) em += 0.68
    else em += 0.6
  }
  return em * size * (bold ? 1.13 : 1.02)
}

/** Splits a text into lines of at most `maxWidth` at spaces (a label also after each comma). */
function wrap(text, maxWidth, size, { atCommas = true } = {}) {
  if (textWidth(text, size) <= maxWidth) return [text]
  const lines = []
  let line = ''
  for (const word of text.split(' ')) {
    const candidate = line ? `${line} ${word}` : word
    if (line && (textWidth(candidate, size) > maxWidth || (atCommas && line.endsWith(',')))) {
      lines.push(line)
      line = word
    }
    else line = candidate
  }
  if (line) lines.push(line)
  return lines
}

const kB = bytes => `${(bytes / 1000).toFixed(1)} kB`
const signedKB = bytes => `${bytes >= 0 ? '+' : '−'}${kB(Math.abs(bytes))}`
const plural = (count, word, many = `${word}s`) => `${count} ${count === 1 ? word : many}`
const attrs = object => Object.entries(object).filter(([, value]) => value !== undefined && value !== false)
  .map(([key, value]) => ` ${key}="${escapeXml(value)}"`).join('')
const text = (x, y, content, options = {}) => {
  const { size = LABEL_SIZE, fill = TEXT, anchor, weight, halo, style } = options
  return `<text${attrs({
    'x': round(x),
    'y': round(y),
    'font-size': size,
    'fill': fill,
    'text-anchor': anchor,
    'font-weight': weight,
    'font-style': style,
    // A white outline keeps a figure readable where it crosses a grid or target line.
    'stroke': halo ? '#fff' : undefined,
    'stroke-width': halo ? 4 : undefined,
    'stroke-linejoin': halo ? 'round' : undefined,
    'paint-order': halo ? 'stroke' : undefined,
  })}>${escapeXml(content)}</text>`
}
const round = value => Math.round(value * 10) / 10

/** White or dark text, whichever reads better on a colour (#rrggbb), by its relative luminance. */
export function onColor(color) {
  // WCAG contrast: white's against the dark text's.
  const light = 1.05 / (luminance(color) + 0.05)
  const dark = (luminance(color) + 0.05) / (luminance(TEXT) + 0.05)
  return light >= dark ? '#fff' : TEXT
}

function luminance(color) {
  const [r, g, b] = [1, 3, 5].map(index => Number.parseInt(color.slice(index, index + 2), 16) / 255)
    .map(channel => channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4)
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

function family(variant) {
  if (!variant.auth) return 'bare'
  return variant.name.startsWith('gatekeeper') ? 'gatekeeper' : 'incumbent'
}

/** The first auth variant that is not nuxt-gatekeeper: the module the bench compares with. */
export function incumbentOf(json) {
  return json.variants.find(variant => family(variant) === 'incumbent')
}

/**
 * Throws when the JSON lacks what the charts draw: every listed variant needs its SSR and client JS figures.
 * @param {BenchResults} json
 */
export function checkResults(json) {
  if (!Array.isArray(json?.variants) || json.variants.length === 0) throw new Error('bench results: no variants')
  const bare = json.variants.find(variant => !variant.auth)
  if (!bare) throw new Error('bench results: no variant without auth (bare) to compare with')
  for (const variant of json.variants) {
    if (!json.ssr?.[variant.name]) throw new Error(`bench results: no SSR figures for variant ${variant.name}`)
    if (!json.clientBytes?.[variant.name]) throw new Error(`bench results: no client JS bytes for variant ${variant.name}`)
  }
  return bare
}

/** A document with a title and description (for screen readers and tooltips) on a white card. */
function svgDocument({ id, width = WIDTH, height, title, description, body }) {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${Math.ceil(height)}" width="${width}" height="${Math.ceil(height)}" role="img" aria-labelledby="${id}-title ${id}-desc" aria-label="${escapeXml(title)}" font-family="${escapeXml(FONT)}">`,
    `<title id="${id}-title">${escapeXml(title)}</title>`,
    `<desc id="${id}-desc">${escapeXml(description)}</desc>`,
    `<rect width="${width}" height="${Math.ceil(height)}" rx="8" fill="#ffffff" stroke="${GRID}"/>`,
    ...body,
    '</svg>',
  ].join('\n')
}

/** Title and subtitle at the top; returns the y where the chart starts. */
function heading(body, title, subtitle) {
  body.push(text(PAD, PAD + 16, title, { size: 16, weight: 600 }))
  const lines = wrap(subtitle, WIDTH - 2 * PAD, 12, { atCommas: false })
  lines.forEach((line, index) => body.push(text(PAD, PAD + 36 + index * 15, line, { size: 12, fill: MUTED })))
  return PAD + 52 + (lines.length - 1) * 15
}

/** Coloured squares with names in one or more rows from y; returns the y below them. */
function legend(body, items, y, x0 = PAD) {
  let x = x0
  for (const item of items) {
    const width = 18 + textWidth(item.label, 12) + 16
    if (x + width > WIDTH - PAD && x > x0) {
      x = x0
      y += 20
    }
    body.push(`<rect x="${round(x)}" y="${round(y - 10)}" width="12" height="12" rx="2" fill="${item.color}"/>`)
    body.push(text(x + 18, y, item.label, { size: 12, fill: TEXT }))
    x += width
  }
  return y + 14
}

/** Vertical grid lines with their labels under the plot. */
function axis(body, { x0, scale, ticks, top, bottom, format }) {
  for (const tick of ticks) {
    const x = x0 + tick * scale
    body.push(`<line x1="${round(x)}" y1="${round(top)}" x2="${round(x)}" y2="${round(bottom)}" stroke="${GRID}" stroke-width="1"/>`)
    body.push(text(x, bottom + 16, format(tick), { size: 11, fill: MUTED, anchor: 'middle' }))
  }
}

function niceTicks(max, count = 5) {
  // Nothing to scale (no variant adds bytes): one step, not a step of 0 repeated for ever.
  if (!(max > 0)) return [0, 1]
  const raw = max / count
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map(factor => factor * magnitude).find(candidate => candidate >= raw)
  const ticks = []
  for (let tick = 0; tick <= max + step * 1e-9; tick += step) ticks.push(Math.round(tick * 1e6) / 1e6)
  if (ticks.at(-1) < max) ticks.push(ticks.at(-1) + step)
  return ticks
}

/** A dashed vertical reference line (drawn under the bars) and its caption above the plot (over them). */
function referenceLine({ under, over }, { x, top, bottom, caption, color }) {
  under.push(`<line x1="${round(x)}" y1="${round(top - 4)}" x2="${round(x)}" y2="${round(bottom)}" stroke="${color}" stroke-width="2" stroke-dasharray="6 4" data-reference="true"/>`)
  const width = textWidth(caption, 12, { bold: true })
  const anchor = x + width / 2 > WIDTH - PAD ? 'end' : x - width / 2 < PAD ? 'start' : 'middle'
  over.push(text(anchor === 'end' ? x + 4 : anchor === 'start' ? x - 4 : x, top - 10, caption, { size: 12, fill: color, anchor, weight: 600 }))
}

const sum = segments => segments.reduce((total, segment) => total + Math.max(0, segment.value), 0)
const outsideLines = row => [row.outside ?? []].flat().map(line => typeof line === 'string' ? { text: line } : line).filter(line => line.text)
/** Whether a group heading's note goes on a line of its own (it does not fit after the heading). */
const noteBelow = row => Boolean(row.note) && PAD + textWidth(row.heading, 13, { bold: true }) + 10 + textWidth(row.note, 11) > WIDTH - PAD
const rowHeight = (row, labelWidth) => row.heading
  ? 28 + (noteBelow(row) ? 14 : 0)
  : Math.max(BAR, wrap(row.label, labelWidth, LABEL_SIZE).length * 16, outsideLines(row).length * 15) + 10

/**
 * Where the plot goes: a label column as wide as the widest (wrapped) label, and a scale that leaves room
 * right of every bar for its figures.
 */
function layout(allRows, { max, tickCount = 5, format }) {
  const rows = allRows.filter(row => !row.heading)
  const labelWidth = Math.min(LABEL_COLUMN, Math.ceil(Math.max(...rows.flatMap(row => wrap(row.label, LABEL_COLUMN, LABEL_SIZE).map(line => textWidth(line, LABEL_SIZE)))))) + 2
  const x0 = PAD + labelWidth + 12
  const right = WIDTH - PAD
  const ticks = niceTicks(Math.max(max, ...rows.map(row => sum(row.segments))), tickCount)
  let scale = (right - x0 - textWidth(format(ticks.at(-1)), 11) / 2 - 4) / ticks.at(-1)
  for (const row of rows) {
    const value = sum(row.segments)
    const room = right - x0 - Math.max(0, ...outsideLines(row).map(line => textWidth(line.text, 12))) - 10
    if (value > 0) scale = Math.min(scale, room / value)
  }
  return { labelWidth, x0, ticks, scale }
}

/**
 * Rows of horizontal bars with labels on the left. Each row: { variant, value, label, title, segments: [{ value,
 * color, name?, title?, text? }], inside?, outside?: string | [string | { text, color }] }. `inside` is written
 * at the end of the bar when it fits, else it leads the first `outside` line. Returns the y below the rows.
 */
function barRows(body, rows, { top, labelWidth, x0, scale }) {
  let y = top
  for (const row of rows) {
    if (row.heading) {
      // A group's heading over its bars, with a note in italics after it.
      body.push(text(PAD, y + 21, row.heading, { size: 13, weight: 600, halo: true }))
      if (row.note && noteBelow(row)) body.push(text(PAD, y + 36, row.note, { size: 11, fill: MUTED, style: 'italic', halo: true }))
      else if (row.note) body.push(text(PAD + textWidth(row.heading, 13, { bold: true }) + 10, y + 21, row.note, { size: 11, fill: MUTED, style: 'italic', halo: true }))
      y += rowHeight(row)
      continue
    }
    const lines = wrap(row.label, labelWidth, LABEL_SIZE)
    const height = rowHeight(row, labelWidth)
    const barY = y + (height - BAR) / 2
    const group = [`<title>${escapeXml(row.title)}</title>`]
    lines.forEach((line, index) => group.push(text(x0 - 10, y + height / 2 + 4.5 - (lines.length - 1) * 8 + index * 16, line, { anchor: 'end' })))
    let x = x0
    for (const segment of row.segments) {
      const width = Math.max(0, segment.value * scale)
      if (width > 0) {
        group.push(`<rect x="${round(x)}" y="${round(barY)}" width="${round(Math.max(width, 2))}" height="${BAR}" fill="${segment.color}"${attrs({ 'data-segment': segment.name })}>${segment.title ? `<title>${escapeXml(segment.title)}</title>` : ''}</rect>`)
        if (segment.text && width >= textWidth(segment.text, 11, { bold: true }) + 6) group.push(text(x + width / 2, barY + 14.5, segment.text, { size: 11, fill: onColor(segment.color), anchor: 'middle', weight: 600 }))
      }
      x += Math.max(width, width > 0 ? 2 : 0)
    }
    const outside = outsideLines(row)
    if (row.inside) {
      if (x - x0 >= textWidth(row.inside, 12, { bold: true }) + 12) group.push(text(x - 6, barY + 14.5, row.inside, { size: 12, fill: onColor(row.segments.at(-1).color), anchor: 'end', weight: 600 }))
      else if (outside.length) outside[0] = { ...outside[0], text: `${row.inside} · ${outside[0].text}` }
      else outside.push({ text: row.inside })
    }
    outside.forEach((line, index) => group.push(text(x + 6, barY + 14.5 + (index - (outside.length - 1) / 2) * 15, line.text, { size: 12, fill: line.color ?? MUTED, halo: true })))
    body.push(`<g${attrs({ 'class': 'bar', 'data-variant': row.variant, 'data-scenario': row.scenario, 'data-metric': row.metric, 'data-value': row.value })}>`, ...group, '</g>')
    y += height
  }
  return y
}

/** The machine line under the chart, wrapped; returns the document's height. */
function footer(body, y, machine) {
  const lines = wrap(`Machine: ${machine}`, WIDTH - 2 * PAD, 10, { atCommas: false })
  lines.forEach((line, index) => body.push(text(PAD, y + 36 + index * 13, line, { size: 10, fill: MUTED })))
  return y + 36 + (lines.length - 1) * 13 + 14
}

/** Draws the rows over grid lines and reference lines; returns the y below the rows. */
function plot(body, rows, { top, place, ticks, format, references = [] }) {
  const under = []
  const over = []
  const bottom = top + rows.reduce((height, row) => height + rowHeight(row, place.labelWidth), 0)
  axis(under, { x0: place.x0, scale: place.scale, ticks, top, bottom, format })
  for (const reference of references) referenceLine({ under, over }, { ...reference, x: place.x0 + reference.value * place.scale, top, bottom })
  body.push(...under)
  barRows(body, rows, { top, labelWidth: place.labelWidth, x0: place.x0, scale: place.scale })
  body.push(...over)
  return bottom
}

/**
 * SSR of the protected page per variant as a ratio of bare, with the 0.95 target: the server's CPU time per view
 * timed beside bare (bench/lib/throughput.mjs; results from before the paired runs: req/s), and when the run
 * counted them, the instructions per view (the figure that repeats from run to run) as a group above it.
 * @param {BenchResults} json
 * @param {{ target?: number }} [options]
 */
export function ssrChart(json, { target = 0.95 } = {}) {
  const bare = checkResults(json)
  const bareMedian = json.ssr[bare.name].median
  const ratio = variant => json.ssr[variant.name].ratio ?? json.ssr[variant.name].median / bareMedian
  const { rounds, duration, connections, pairs } = json.options ?? {}
  const paired = json.variants.some(variant => json.ssr[variant.name].requestRatio !== undefined)
  const timed = paired ? `CPU time per view, each variant beside a fresh bare server on one core (median of ${pairs} pairs)` : `requests per second${rounds ? `, median of ${rounds} × ${duration} s` : ''}`
  const counted = json.variants.every(variant => json.instructions?.[variant.name]?.perView > 0)
  const body = []
  const top = heading(body, counted ? 'SSR of a protected page, as a ratio of bare' : 'SSR throughput of a protected page, as a ratio of bare',
    `${counted ? `Instructions the server runs per view (callgrind; bare\u2019s ÷ this), and ${timed}` : timed.replace(/^./, first => first.toUpperCase())}, a valid cookie${connections ? `, ${connections} connections` : ''} · run ${json.date}`) + 26
  const bar = (variant, metric, value, detail, failed = 0) => {
    const figure = `${value.toFixed(metric === 'instructions' ? 3 : 2)}×`
    const suffix = failed ? ` · ${failed} failed` : ''
    return {
      variant: variant.name,
      metric,
      value: value.toFixed(3),
      label: variant.label,
      title: `${variant.label}: ${figure} bare${metric === 'instructions' ? ' by instructions' : ''}, ${detail}${suffix}`,
      segments: [{ value, color: FAMILY[family(variant)] }],
      inside: figure,
      outside: { text: `${detail}${suffix}`, color: failed ? BAD : MUTED },
    }
  }
  const throughputRows = json.variants.map((variant) => {
    const result = json.ssr[variant.name]
    // Bare's own bar, where the run has it, is bare beside a second bare server: the method's reading of no difference.
    if (paired && result.control) {
      return bar(variant, 'cpu', result.control.cpuRatio, `a second bare beside it · pairs ${pairRange(result.control.pairRatios)}`, result.failed)
    }
    // Paired: the absolute times come from windows at different moments (the machine's speed moves), so the
    // requests' ratio of the same windows is the figure beside the bar.
    const detail = paired && result.requestRatio !== undefined ? `by requests ${result.requestRatio.toFixed(2)}×` : `${Math.round(result.median)} req/s`
    return bar(variant, paired ? 'cpu' : 'requests', ratio(variant), detail, result.failed)
  })
  const bareCount = counted && json.instructions[bare.name].perView
  const rows = counted
    ? [
        { heading: 'Instructions per view', note: 'repeats within 0.1 % from run to run' },
        ...json.variants.map(variant => bar(variant, 'instructions', bareCount / json.instructions[variant.name].perView,
          `${(json.instructions[variant.name].perView / 1e6).toFixed(2)} M`)),
        paired
          ? { heading: 'CPU time per view, beside bare', note: 'bare\u2019s ÷ this, at the same moment on the same core' }
          : { heading: 'Requests per second', note: 'moves by about ten points from run to run on this machine' },
        ...throughputRows,
      ]
    : throughputRows
  const format = tick => `${tick.toFixed(2)}×`
  const place = layout(rows, { max: Math.max(1, target), tickCount: 4, format })
  const bottom = plot(body, rows, { top, place, ticks: place.ticks, format, references: [{ value: target, caption: `target ${target.toFixed(2)}× bare`, color: BAD }] })
  const bars = rows.filter(row => !row.heading)
  return svgDocument({
    id: 'bench-ssr',
    height: footer(body, bottom, json.machine),
    title: counted ? 'SSR of a protected page as a ratio of bare' : 'SSR throughput as a ratio of bare',
    description: `${counted ? 'Instructions per view and ' : ''}${paired ? 'CPU time per view timed beside bare' : 'requests per second'} of a protected page rendered on the server with a valid cookie, per variant, as a ratio of the app without auth; the target is ${target}. ${bars.map(row => row.title).join('; ')}.`,
    body,
  })
}

/**
 * Client JS added to bare (gzip) per auth variant, stacked by part when the JSON has `parts`.
 * @param {BenchResults} json
 */
export function bytesChart(json) {
  const bare = checkResults(json)
  const variants = json.variants.filter(variant => variant.auth)
  const added = variant => json.clientBytes[variant.name].gzip - json.clientBytes[bare.name].gzip
  const addedTotal = variant => json.clientBytes[variant.name].total - json.clientBytes[bare.name].total
  // What a signed-in first visit downloads (Chromium), when the run measured it: the lazy chunks left out.
  const firstVisit = (variant) => {
    const bytes = json.firstVisitBytes?.[variant.name] ?? json.firstVisitBytes?.[variant.builtAs ?? '']
    const bareBytes = json.firstVisitBytes?.[bare.name]
    return bytes && bareBytes ? bytes.gzip - bareBytes.gzip : undefined
  }
  // Only the module's parts are stacked: `app` (Vue, Nuxt, the app's code) and `(unmapped)` (bundler glue) are
  // the rest of the client JS (scripts/client-parts.mjs), compared with bare as one "rest" segment.
  // A variant served from another's build (`builtAs`) has that build's parts.
  const moduleParts = variant => (json.parts?.[variant.name] ?? json.parts?.[variant.builtAs ?? ''] ?? [])
    .filter(entry => !NOT_MODULE_PARTS.includes(entry.part))
  const stacked = variants.some(variant => moduleParts(variant).length)
  // The parts in the order the lists give them (a part only some variants have goes after its predecessor).
  const partNames = []
  for (const variant of variants) {
    let after = -1
    for (const { part } of moduleParts(variant)) {
      const at = partNames.indexOf(part)
      if (at === -1) partNames.splice(++after, 0, part)
      else after = at
    }
  }
  const partColor = name => PART_COLORS[partNames.indexOf(name) % PART_COLORS.length]
  const incumbent = incumbentOf(json)
  const body = []
  let top = heading(body, 'Client JS added to the bare app (gzip)',
    `Level-9 gzip of every .js file in .output/public/_nuxt, minus the app without auth${stacked ? ', by part of nuxt-gatekeeper' : ''}${variants.some(variant => firstVisit(variant) !== undefined) ? '; "first visit": the scripts Chromium downloads opening a protected page signed in, minus bare\u2019s' : ''} · run ${json.date}`)
  const rows = variants.map((variant) => {
    const total = added(variant)
    const figure = signedKB(total)
    const raw = `${signedKB(addedTotal(variant))} before gzip`
    const visit = firstVisit(variant)
    const visitLine = visit === undefined ? [] : [{ text: `first visit ${signedKB(visit)}`, color: TEXT }]
    const list = moduleParts(variant)
    const segments = list.map(entry => ({
      value: entry.gzip / 1000,
      color: partColor(entry.part),
      name: entry.part,
      title: `${entry.part}: ${kB(entry.gzip)} gzip, ${kB(entry.total)} before gzip`,
      text: (entry.gzip / 1000).toFixed(1),
    }))
    const partsSum = sum(segments) * 1000
    if (list.length && total > partsSum) {
      segments.push({ value: (total - partsSum) / 1000, color: REST, name: 'rest', title: `${REST_LABEL}: ${signedKB(total - partsSum)} gzip` })
    }
    if (!list.length) segments.push({ value: Math.max(0, total) / 1000, color: FAMILY[family(variant)] })
    return {
      variant: variant.name,
      value: total,
      label: variant.label,
      title: `${variant.label}: ${figure} gzip (${raw})${visit === undefined ? '' : `, a signed-in first visit ${signedKB(visit)}`}${segments.filter(segment => segment.title).map(segment => `; ${segment.title}`).join('')}`,
      segments,
      // On a stacked bar the parts carry their own figures: the total goes next to it.
      inside: list.length ? undefined : figure,
      outside: list.length
        ? [{ text: partsSum > total ? `${figure} (the module's parts ${kB(partsSum)})` : figure, color: TEXT }, ...visitLine, raw]
        : [...visitLine, raw],
    }
  })
  if (stacked) {
    const items = partNames.map(name => ({ label: name, color: partColor(name) }))
    if (rows.some(row => row.segments.some(segment => segment.name === 'rest'))) items.push({ label: REST_LABEL, color: REST })
    top = legend(body, items, top + 14)
  }
  top += 28
  const format = tick => `${tick} kB`
  const place = layout(rows, { max: incumbent ? added(incumbent) / 1000 : 0, tickCount: 4, format })
  const bottom = plot(body, rows, {
    top,
    place,
    ticks: place.ticks,
    format,
    references: incumbent ? [{ value: Math.max(0, added(incumbent)) / 1000, caption: `${incumbent.label}: ${signedKB(added(incumbent))}`, color: FAMILY.incumbent }] : [],
  })
  return svgDocument({
    id: 'bench-bytes',
    height: footer(body, bottom, json.machine),
    title: 'Client JS added to the bare app, gzip',
    description: `Gzip bytes of client JavaScript each auth variant adds to the app without auth${incumbent ? `; the reference line is ${incumbent.label}` : ''}. ${rows.map(row => row.title).join('; ')}.`,
    body,
  })
}

/** Outcome of a scenario worth printing next to its calls, and whether it is a failure. */
function outcome(key, result) {
  const notes = []
  let bad = false
  if (key === 'burst' && result.succeeded !== undefined) {
    notes.push(`${result.succeeded} succeeded`)
    const [ok, of] = String(result.succeeded).split('/').map(Number)
    bad ||= ok !== of
  }
  if (key === 'tabs') {
    if (result.lifetimes !== undefined) notes.push(`in ${result.lifetimes.toFixed(1)} lifetimes`)
    if (result.apiOk !== undefined) notes.push(`${result.apiOk}/3 API calls succeeded`)
    bad ||= result.apiOk !== undefined && result.apiOk < 3
  }
  if (result.reuseDetections) notes.push(plural(result.reuseDetections, 'reuse detection'))
  if (result.signedOut) notes.push(plural(result.signedOut, 'sign-out'))
  bad ||= Boolean(result.reuseDetections || result.signedOut)
  return { note: notes.join(' · '), bad }
}

/**
 * Backend calls (session, refresh, API) per browser scenario of the table, one bar per variant in each.
 * @param {BenchResults} json
 */
export function callsChart(json) {
  checkResults(json)
  const scenarios = json.scenarios ?? {}
  const variants = json.variants.filter(variant => variant.auth && scenarios[variant.name])
  if (variants.length === 0) throw new Error('bench results: no browser scenarios')
  const body = []
  let top = heading(body, 'Backend calls per browser scenario',
    `Calls the bench backend counted during each scenario in Chromium, per variant · run ${json.date}`)
  top = legend(body, CALL_KINDS.map(kind => ({ label: kind.label, color: kind.color })), top + 14) + 4
  const groups = SCENARIOS.map(scenario => ({
    ...scenario,
    title: typeof scenario.title === 'function' ? scenario.title(json.options?.tabsTtl ?? 8) : scenario.title,
    variants: variants.filter(variant => scenarios[variant.name][scenario.key]),
    skipped: variants.filter(variant => !scenarios[variant.name][scenario.key]),
  })).filter(group => group.variants.length)
  const rows = groups.flatMap((group) => {
    const note = !group.skipped.length
      ? undefined
      : group.skipped.every(variant => !variant.refresh)
        ? `n/a for ${group.skipped.length === 1 ? 'the variant' : `the ${group.skipped.length} variants`} without a refresh token`
        : `not run for ${plural(group.skipped.length, 'variant')}`
    return [{ heading: group.title, note, scenario: group.key }, ...group.variants.map((variant) => {
      const result = scenarios[variant.name][group.key]
      const calls = { session: 0, refresh: 0, data: 0, ...result.calls }
      const total = calls.session + calls.refresh + calls.data
      const counts = [plural(calls.session, 'session'), plural(calls.refresh, 'refresh', 'refreshes'), `${calls.data} API`]
      const { note, bad } = outcome(group.key, result)
      return {
        variant: variant.name,
        scenario: group.key,
        value: total,
        label: variant.label,
        title: `${group.title}, ${variant.label}: ${plural(total, 'backend call')} (${counts.join(' · ')})${note ? `; ${note}` : ''}`,
        segments: CALL_KINDS.map(kind => ({ value: calls[kind.key], color: kind.color, name: kind.key, text: String(calls[kind.key]) })),
        outside: [
          { text: total ? `${plural(total, 'call')}: ${counts.filter(count => !count.startsWith('0 ')).join(' · ')}` : '0 calls', color: TEXT },
          ...(note ? [{ text: note, color: bad ? BAD : MUTED }] : []),
        ],
      }
    })]
  })
  const format = tick => String(tick)
  const place = layout(rows, { max: 4, tickCount: 5, format })
  const bottom = plot(body, rows, { top, place, ticks: place.ticks, format })
  return svgDocument({
    id: 'bench-calls',
    height: footer(body, bottom, json.machine),
    title: 'Backend calls per browser scenario',
    description: `Session, refresh and API calls the bench backend received during each browser scenario, per variant. ${rows.filter(row => !row.heading).map(row => row.title).join('; ')}.`,
    body,
  })
}

/**
 * All three, by file name.
 * @param {BenchResults} json
 */
export function renderCharts(json) {
  return { 'ssr.svg': ssrChart(json), 'bytes.svg': bytesChart(json), 'calls.svg': callsChart(json) }
}
