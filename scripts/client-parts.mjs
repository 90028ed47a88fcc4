// The client JS of a built Nuxt app, byte by byte, attributed to its sources and grouped into the module's parts
// (Pinia, store, manager, guard, refresher, tab lock, …): what each part of nuxt-gatekeeper adds to the browser's
// download. Used by the bench (bench/lib/variants.mjs) and by the size-budget test (test/e2e/client-size.test.ts).
//
// It reads `.output/public/_nuxt/*.js` and the source map beside each file, so the app must be built with
// `sourcemap: { client: 'hidden' }`: the maps are written, the JS the browser loads carries no reference to them
// and is otherwise the same bytes.
//
// Attribution: each segment of a map covers the generated text from its column up to the next segment (across
// line ends, so the newline goes with the code before it). A segment with a source gives those bytes to that
// source; bytes before the first segment and segments without a source are the file's "(unmapped)" bytes
// (Rollup's glue: import/export statements, the chunk's wrapper). Every byte of a file lands in exactly one
// bucket; the sum is checked against the file's size.
//
// Gzip per part: a browser downloads each chunk gzipped as a whole, so a part has no gzip size of its own. Each
// file's gzip size (level 9, as bench/lib/variants.mjs measures it) is shared out among the groups of sources in
// it in proportion to each group's marginal cost: the file's gzip size minus the gzip size of the file with that
// group's bytes taken out. That is what leaving the part out would save, given the rest of the chunk (a part whose
// text repeats what the chunk already has costs little; text that compresses badly costs more than its share of
// bytes). The marginal costs are then scaled to add up to the file's gzip size, so the parts of an app add up to
// its total exactly (the bench's table relies on that). Gzipping each part's text on its own instead would count
// gzip's header once per part and lose the context the rest of the chunk gives, and the parts would not add up to
// the files. When no group has a positive marginal cost (tiny files), the share follows the bytes.
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { TraceMap, decodedMappings } from '@jridgewell/trace-mapping'
import { init as initLexer, parse as parseImports } from 'es-module-lexer'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))

/**
 * A rule gives a part to the module's files whose path after `runtime/` (or from `providers/` on), without the
 * extension, matches `module`, or to the sources of an npm package named `package`. The first match wins;
 * module files no rule names are the manager's (its last rule). Paths look like `app/store`, `core/token`,
 * `app/tabs/lock`, `providers/local/client`, `gatekeeper/config` (the generated templates in `.nuxt/gatekeeper/`).
 * @typedef {{ part: string, module?: RegExp, package?: string, template?: RegExp, note?: string }} PartRule
 * @type {PartRule[]}
 */
export const PARTS = [
  // Server code never belongs in the client; a rule of its own makes it stand out if it ever gets there. Besides
  // server/, the files of shared/ only the server runs: app code imports some of them for SSR, and a statement at
  // their top level (a process-wide map, a node:crypto lookup) would reach the browser with nothing else of them.
  { part: 'server code', module: /^(?:server\/|providers\/[^/]+\/server\/|shared\/(?:cleartext-upstream|env|event-jar|expiring-cache|jwt-verification|refresh-dedupe|server-[\w-]+|session-cache|shared-state)$)/ },
  // The DevTools tab's code is for development; in a production build it would stand out here.
  { part: 'devtools', module: /^(?:app\/)?devtools\// },
  { part: 'pinia', package: 'pinia' },
  { part: 'store', module: /^app\/store$|^core\/machine$/ },
  { part: 'guard', module: /^app\/middleware\/|^core\/guard$|^app\/navigation$/ },
  // Only app/refresher.ts: core/backoff.ts and core/clock.ts serve every provider (app/scheduling.ts retries
  // failed session checks with a backoff and times a token's expiry with the issuer clock that app/manager.ts
  // creates), so they are the manager's, not what the refresher adds.
  // With the refresh through this app's server (app/relayed-refresh.ts), which the refresh provider uses in the
  // browser; app/relay-request.ts (the /api/_auth routes' error answers) serves it and the httpOnly relay alike.
  // Where the page cannot read the refresh token, the explicit refresh() through that route (app/server-held-refresh.ts).
  { part: 'refresher', module: /^app\/(refresher|relayed-refresh|server-held-refresh)$/ },
  { part: 'tab lock', module: /^app\/tabs\// },
  { part: 'redirect sanitiser', module: /^core\/redirect$/ },
  // jose reaches the client only through core/token.ts (decodeJwt); verification is server code.
  { part: 'JWT decoding', module: /^core\/token$/ },
  { part: 'JWT decoding', package: 'jose', note: 'decodeJwt, imported by core/token.ts' },
  { part: 'relay', module: /^app\/relay$/ },
  { part: 'provider: local', module: /^providers\/local\// },
  { part: 'provider: refresh', module: /^providers\/refresh\// },
  { part: 'provider: authjs', module: /^providers\/authjs\// },
  { part: 'nuxt-gatekeeper config', template: /^gatekeeper\// },
  // Everything else of the module: app/manager, session, state, actions, tokens, scheduling, plugins,
  // composables, components, core/* (with backoff and clock), shared/*, and the providers' shared files.
  { part: 'manager', module: /^(?:app|core|shared|providers)\/|^types$/ },
]

/** The parts of nuxt-gatekeeper, in the order reports list them. */
export const MODULE_PARTS = ['pinia', 'store', 'manager', 'guard', 'refresher', 'tab lock', 'redirect sanitiser', 'JWT decoding', 'relay', 'provider: local', 'provider: refresh', 'provider: authjs', 'nuxt-gatekeeper config', 'devtools', 'server code']
if (PARTS.some(rule => !MODULE_PARTS.includes(rule.part))) throw new Error('client-parts: a rule names a part MODULE_PARTS lacks')
/** Everything that is not the module's: Vue, Nuxt, other packages, the app's own code. */
export const APP_PART = 'app'
/** Bytes no source map segment names (Rollup's glue between modules). */
export const UNMAPPED = '(unmapped)'

/**
 * Where a source is, by kind: the module's own file (`module`, path after runtime/ or from providers/ on), one
 * of its generated templates (`template`, path inside .nuxt/), a package's file (`package`, its npm name and
 * the path inside it), or the app's own code.
 * @param {string} absolute the source's absolute path (virtual ids decoded)
 */
export function locateSource(absolute) {
  const path = absolute.split(sep).join('/')
  // The packed module in an app's node_modules: …/nuxt-gatekeeper/dist/runtime/app/store.js, …/dist/providers/…
  const packed = /\/nuxt-gatekeeper\/dist\/(?:runtime\/(.+)|(providers\/.+))$/.exec(path)
  if (packed) return { kind: 'module', path: stripExtension(packed[1] ?? packed[2]), package: 'nuxt-gatekeeper' }
  // This repository, as the stubbed module and the fixtures use it: src/runtime/…, providers/…
  const root = repoRoot.split(sep).join('/')
  if (path.startsWith(`${root}src/runtime/`)) return { kind: 'module', path: stripExtension(path.slice(`${root}src/runtime/`.length)), package: 'nuxt-gatekeeper' }
  if (path.startsWith(`${root}providers/`)) return { kind: 'module', path: stripExtension(path.slice(root.length)), package: 'nuxt-gatekeeper' }
  const template = /\/\.nuxt\/(gatekeeper\/.+)$/.exec(path)
  if (template) return { kind: 'template', path: stripExtension(template[1]), package: 'nuxt-gatekeeper' }
  const inPackage = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(path)
  if (inPackage) return { kind: 'package', package: inPackage[1], path: inPackage[2] }
  return { kind: 'app', package: null, path }
}

function stripExtension(path) {
  return path.replace(/\.(?:[cm]?[jt]s|vue)$/, '')
}

/**
 * The part a source belongs to (see PARTS); `app` for everything that is not nuxt-gatekeeper's.
 * @param {ReturnType<typeof locateSource>} location
 * @param {{ withModule?: boolean }} [app] `withModule`: the app has nuxt-gatekeeper (default true). Only then are
 *   packages (Pinia, jose) given to the module's parts; elsewhere they are the app's. (An app that
 *   also uses one of them itself shares that code with the module; it is counted as the module's.)
 */
export function partOf(location, { withModule = true } = {}) {
  for (const rule of PARTS) {
    if (rule.package && withModule && location.kind === 'package' && location.package === rule.package) return rule.part
    if (rule.module && location.kind === 'module' && rule.module.test(location.path)) return rule.part
    if (rule.template && location.kind === 'template' && rule.template.test(location.path)) return rule.part
  }
  // A module file no rule names (a file added later): the manager's, as PARTS says.
  if (location.kind === 'module' || location.kind === 'template') return 'manager'
  return APP_PART
}

/** A map's source as an absolute path: Vite's `virtual:nuxt:<encoded path>` ids are decoded. */
function resolveSource(mapFile, source) {
  // Vite names Nuxt's templates `virtual:nuxt:<encoded absolute path>` (behind `../` when the map is nested).
  const virtual = /(?:^|\/)virtual:nuxt:(.+)$/.exec(source)
  if (virtual) return decodeURIComponent(virtual[1])
  if (/^[\w-]+:/.test(source) || source.startsWith('\0')) return source
  return resolve(dirname(mapFile), source)
}

/** How a source is named in the results: relative to the app for the app's code, from node_modules on otherwise. */
function displayName(appDir, absolute, location) {
  if (location.kind === 'module') return `nuxt-gatekeeper/${location.path.startsWith('providers/') ? '' : 'runtime/'}${location.path}`
  if (location.kind === 'template') return `.nuxt/${location.path}`
  if (location.kind === 'package') return `${location.package}/${location.path}`
  return absolute.startsWith('/') ? relative(appDir, absolute).split(sep).join('/') : absolute
}

/**
 * Byte ranges of a generated file by source. Columns in a source map count UTF-16 code units of the generated
 * text; the bytes are those of its UTF-8 encoding.
 * @param {string} code the generated file's text
 * @param {TraceMap} map
 * @param {Array<{ source: number, length: number }>} [ranges] filled with the file's consecutive runs, in order
 * @returns {Map<number, number>} source index (-1: unmapped) → bytes
 */
function bytesBySource(code, map, ranges) {
  const lines = code.split('\n')
  const mappings = decodedMappings(map)
  /** @type {Map<number, number>} */
  const bytes = new Map()
  let current = -1
  const add = (source, text) => {
    if (!text) return
    const length = Buffer.byteLength(text)
    bytes.set(source, (bytes.get(source) ?? 0) + length)
    ranges?.push({ source, length })
  }
  for (let line = 0; line < lines.length; line++) {
    const text = lines[line]
    let column = 0
    for (const segment of mappings[line] ?? []) {
      const start = Math.min(segment[0], text.length)
      add(current, text.slice(column, start))
      column = start
      current = segment.length >= 4 ? segment[1] : -1
    }
    add(current, text.slice(column))
    if (line < lines.length - 1) add(current, '\n')
  }
  return bytes
}

/** gzip level 9, the way bench/lib/variants.mjs measures client JS. */
const gzipSize = buffer => gzipSync(buffer, { level: 9 }).length

/**
 * Shares a file's gzip size among groups of its bytes by marginal cost (see the comment at the top).
 * @param {Buffer} buffer the file
 * @param {Array<{ group: string, start: number, end: number }>} spans byte spans of the file by group
 * @returns {Map<string, number>} group → gzip bytes (fractional; they add up to the file's gzip size)
 */
function shareGzip(buffer, spans, fileGzip) {
  const groups = [...new Set(spans.map(span => span.group))]
  const share = new Map()
  if (groups.length === 1) return share.set(groups[0], fileGzip)
  const bytes = new Map(groups.map(group => [group, 0]))
  for (const span of spans) bytes.set(span.group, bytes.get(span.group) + span.end - span.start)
  const marginal = new Map()
  for (const group of groups) {
    const without = Buffer.concat(spans.filter(span => span.group !== group).map(span => buffer.subarray(span.start, span.end)))
    marginal.set(group, Math.max(0, fileGzip - gzipSize(without)))
  }
  const sum = [...marginal.values()].reduce((total, value) => total + value, 0)
  const weights = sum > 0 ? marginal : bytes
  const weightSum = sum > 0 ? sum : buffer.length
  for (const group of groups) share.set(group, fileGzip * weights.get(group) / weightSum)
  return share
}

/**
 * @typedef {{ source: string, part: string, package: string | null, kind: string, total: number, gzip: number, files: string[] }} SourceBytes
 * @typedef {{ part: string, total: number, gzip: number, files: string[], sources: SourceBytes[] }} PartBytes
 * @typedef {{ package: string, total: number, gzip: number, parts: string[] }} PackageBytes
 * @typedef {{ file: string, total: number, gzip: number, unmapped: number, entry: boolean, imports: string[], dynamicImports: string[], parts: Record<string, number> }} FileBytes
 * @typedef {{ appDir: string, files: FileBytes[], total: number, gzip: number, parts: PartBytes[], packages: PackageBytes[], sources: SourceBytes[], nuxt: string[], initial: string[] }} ClientParts
 */

/**
 * The client JS of a built Nuxt app by part.
 *
 * - `files`: every `.js` file in `.output/public/_nuxt`, its bytes, gzip size (level 9), bytes per part, and the
 *   files it imports statically and dynamically (`entry`: the file with Nuxt's entry.js).
 * - `parts`: the module's parts (PARTS), `app` (everything else) and `(unmapped)`, with total and gzip bytes
 *   and their sources; they add up to `total` and `gzip`.
 * - `packages`: the same bytes by npm package (`nuxt-gatekeeper` for the module and its templates, `(app)` for
 *   the app's own code and Nuxt's generated templates, `(unmapped)`); also adding up to `total` and `gzip`.
 * - `sources`: every source with its bytes. `nuxt`: the sources of the `nuxt` package present (paths inside it,
 *   e.g. `dist/app/composables/asyncData.js`). `initial`: the entry and every file it imports statically, i.e.
 *   what each page loads before its own chunks.
 * @param {string} appDir the app's folder (the one holding `.output`)
 * @returns {Promise<ClientParts>} the app's client JS by file, part, package and source
 */
export async function clientParts(appDir) {
  await initLexer()
  const dir = join(appDir, '.output', 'public', '_nuxt')
  if (!existsSync(dir)) throw new Error(`${dir} does not exist: build the app first (nuxi build)`)
  const jsFiles = readdirSync(dir).filter(file => file.endsWith('.js')).sort()
  /** @type {FileBytes[]} */
  const files = []
  /** @type {Map<string, SourceBytes>} */
  const sources = new Map()
  const partTotals = new Map()
  const packageTotals = new Map()
  const addTo = (totals, key, total, gzip, file, extra) => {
    const entry = totals.get(key) ?? { total: 0, gzip: 0, files: new Set(), ...extra }
    entry.total += total
    entry.gzip += gzip
    entry.files.add(file)
    totals.set(key, entry)
    return entry
  }

  const maps = new Map(jsFiles.map((file) => {
    const mapFile = join(dir, `${file}.map`)
    if (!existsSync(mapFile)) throw new Error(`${mapFile} is missing: build the app with \`sourcemap: { client: 'hidden' }\``)
    return [file, new TraceMap(JSON.parse(readFileSync(mapFile, 'utf8')))]
  }))
  // Pinia and jose count as the module's only in an app that has it (see partOf).
  const withModule = [...maps].some(([file, map]) => map.sources.some(source => locateSource(resolveSource(join(dir, `${file}.map`), source)).kind === 'module'))

  for (const file of jsFiles) {
    const mapFile = join(dir, `${file}.map`)
    const buffer = readFileSync(join(dir, file))
    const code = buffer.toString('utf8')
    const map = maps.get(file)
    /** @type {Array<{ source: number, length: number }>} */
    const ranges = []
    const bySource = bytesBySource(code, map, ranges)
    const attributed = [...bySource.values()].reduce((sum, value) => sum + value, 0)
    if (attributed !== buffer.length) throw new Error(`${file}: ${attributed} bytes attributed, the file has ${buffer.length}`)

    // Where each source index belongs.
    const located = map.sources.map((source) => {
      const absolute = resolveSource(mapFile, source)
      const location = locateSource(absolute)
      const part = partOf(location, { withModule })
      const name = displayName(appDir, absolute, location)
      const pkg = location.package ?? '(app)'
      return { name, part, pkg, kind: location.kind, group: `${part}\u0000${pkg}` }
    })
    const groupOf = source => source === -1 ? `${UNMAPPED}\u0000${UNMAPPED}` : located[source].group

    // Gzip shares by group (part × package: the finest grouping either view needs), then by source in
    // proportion to bytes within the group.
    const spans = []
    let offset = 0
    for (const range of ranges) {
      const group = groupOf(range.source)
      const last = spans.at(-1)
      if (last && last.group === group) last.end += range.length
      else spans.push({ group, start: offset, end: offset + range.length })
      offset += range.length
    }
    const fileGzip = gzipSize(buffer)
    const groupGzip = shareGzip(buffer, spans, fileGzip)
    const groupBytes = new Map()
    for (const [source, bytes] of bySource) groupBytes.set(groupOf(source), (groupBytes.get(groupOf(source)) ?? 0) + bytes)

    const parts = {}
    for (const [source, bytes] of bySource) {
      const group = groupOf(source)
      const gzip = groupGzip.get(group) * bytes / groupBytes.get(group)
      const info = source === -1 ? { name: `${UNMAPPED} ${file}`, part: UNMAPPED, pkg: UNMAPPED, kind: 'unmapped' } : located[source]
      parts[info.part] = (parts[info.part] ?? 0) + bytes
      addTo(partTotals, info.part, bytes, gzip, file)
      addTo(packageTotals, info.pkg, bytes, gzip, file, { parts: new Set() }).parts.add(info.part)
      const entry = sources.get(info.name) ?? { source: info.name, part: info.part, package: info.pkg === '(app)' ? null : info.pkg, kind: info.kind, total: 0, gzip: 0, files: [] }
      entry.total += bytes
      entry.gzip += gzip
      if (!entry.files.includes(file)) entry.files.push(file)
      sources.set(info.name, entry)
    }

    const [imports] = parseImports(code)
    const local = specifier => specifier?.startsWith('./') ? specifier.slice(2) : null
    files.push({
      file,
      total: buffer.length,
      gzip: fileGzip,
      unmapped: bySource.get(-1) ?? 0,
      entry: located.some(source => source.kind === 'package' && source.pkg === 'nuxt' && /^dist\/app\/entry\.[jt]s$/.test(source.name.slice('nuxt/'.length))),
      imports: imports.filter(entry => entry.type === 'static').map(entry => local(entry.specifier)).filter(Boolean),
      dynamicImports: imports.filter(entry => entry.type === 'dynamic').map(entry => local(entry.specifier)).filter(Boolean),
      parts,
    })
  }

  const sourceList = [...sources.values()].sort((a, b) => b.total - a.total)
  const order = part => part === APP_PART ? MODULE_PARTS.length : part === UNMAPPED ? MODULE_PARTS.length + 1 : MODULE_PARTS.indexOf(part)
  const parts = [...partTotals].map(([part, totals]) => ({
    part,
    total: totals.total,
    gzip: totals.gzip,
    files: [...totals.files],
    sources: sourceList.filter(source => source.part === part),
  })).sort((a, b) => order(a.part) - order(b.part))
  const packages = [...packageTotals].map(([name, totals]) => ({ package: name, total: totals.total, gzip: totals.gzip, parts: [...totals.parts] }))
    .sort((a, b) => b.total - a.total)

  // What every page loads first: the entry and, transitively, its static imports.
  const byName = new Map(files.map(file => [file.file, file]))
  const initial = new Set()
  const visit = (name) => {
    if (initial.has(name) || !byName.has(name)) return
    initial.add(name)
    byName.get(name).imports.forEach(visit)
  }
  files.filter(file => file.entry).forEach(file => visit(file.file))

  return {
    appDir,
    files,
    total: files.reduce((sum, file) => sum + file.total, 0),
    gzip: files.reduce((sum, file) => sum + file.gzip, 0),
    parts,
    packages,
    sources: sourceList,
    nuxt: sourceList.filter(source => source.package === 'nuxt').map(source => source.source.slice('nuxt/'.length)).sort(),
    initial: [...initial],
  }
}

/**
 * The files that `file` loads before it runs: itself and its static imports, transitively.
 * @param {ClientParts} result
 * @param {string} file
 * @returns {string[]} the file names, `file` first
 */
export function staticClosure(result, file) {
  const byName = new Map(result.files.map(entry => [entry.file, entry]))
  const seen = new Set()
  const visit = (name) => {
    if (seen.has(name) || !byName.has(name)) return
    seen.add(name)
    byName.get(name).imports.forEach(visit)
  }
  visit(file)
  return [...seen]
}

/**
 * The text of nuxt-gatekeeper's sources as bundled into an app's client JS (the maps' `sourcesContent`): the
 * module's files and its generated templates, by the names `sources` uses.
 * @param {string} appDir
 * @returns {Map<string, string>} source name → its text
 */
export function moduleSourceContents(appDir) {
  const dir = join(appDir, '.output', 'public', '_nuxt')
  /** @type {Map<string, string>} */
  const contents = new Map()
  for (const file of readdirSync(dir).filter(name => name.endsWith('.js.map'))) {
    const mapFile = join(dir, file)
    const map = JSON.parse(readFileSync(mapFile, 'utf8'))
    map.sources.forEach((source, index) => {
      const absolute = resolveSource(mapFile, source)
      const location = locateSource(absolute)
      if (location.kind !== 'module' && location.kind !== 'template') return
      const content = map.sourcesContent?.[index]
      if (typeof content === 'string') contents.set(displayName(appDir, absolute, location), content)
    })
  }
  return contents
}

// `node scripts/client-parts.mjs <app dir> [--sources]`: the parts of a built app as a table.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const appDir = resolve(process.argv[2] ?? '.')
  const result = await clientParts(appDir)
  const kB = bytes => `${(bytes / 1000).toFixed(2)} kB`
  process.stdout.write(`${appDir}: ${result.files.length} files, ${kB(result.total)} / ${kB(result.gzip)} gzip\n\n`)
  process.stdout.write('| part | total | gzip |\n|---|---|---|\n')
  for (const part of result.parts) process.stdout.write(`| ${part.part} | ${kB(part.total)} | ${kB(part.gzip)} |\n`)
  if (process.argv.includes('--sources')) {
    process.stdout.write('\n| source | part | total | gzip | files |\n|---|---|---|---|---|\n')
    for (const source of result.sources) process.stdout.write(`| ${source.source} | ${source.part} | ${source.total} | ${source.gzip.toFixed(0)} | ${source.files.join(' ')} |\n`)
  }
}
