// A V8 .cpuprofile (node --cpu-prof) as a flame graph SVG and as a table of self time per source: the bench's
// profiler writes both, so a profile can be read in a browser or a markdown file without extra tools.

/** The call tree with total (self + children) sample counts, keyed by function and location. */
function callTree(profile) {
  const nodes = new Map(profile.nodes.map(node => [node.id, node]))
  const self = new Map()
  for (const sample of profile.samples) self.set(sample, (self.get(sample) ?? 0) + 1)
  const build = (node) => {
    const frame = node.callFrame
    const children = (node.children ?? []).map(id => build(nodes.get(id)))
    const samples = (self.get(node.id) ?? 0) + children.reduce((sum, child) => sum + child.samples, 0)
    return { name: frame.functionName || '(anonymous)', url: frame.url, line: frame.lineNumber + 1, self: self.get(node.id) ?? 0, samples, children }
  }
  return build(nodes.get(profile.nodes[0].id))
}

/** Where a frame's code comes from: a package, the app's server bundle, Node itself, or V8. */
export function sourceOf(url) {
  if (!url) return '(v8 / native)'
  if (url.startsWith('node:')) return 'node:*'
  const path = decodeURIComponent(url.replace(/^file:\/\//, ''))
  const modules = path.lastIndexOf('/node_modules/')
  if (modules >= 0) {
    const rest = path.slice(modules + '/node_modules/'.length).split('/')
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]
  }
  const output = path.indexOf('/.output/server/')
  return output >= 0 ? `.output/server/${path.slice(output + '/.output/server/'.length)}` : path
}

/** Self time per source, descending, as [source, fraction of all samples]. */
export function selfTimeBySource(profile) {
  const nodes = new Map(profile.nodes.map(node => [node.id, node]))
  const bySource = new Map()
  for (const id of profile.samples) {
    const node = nodes.get(id)
    const source = node.callFrame.functionName === '(idle)' || node.callFrame.functionName === '(program)' || node.callFrame.functionName === '(garbage collector)'
      ? node.callFrame.functionName
      : sourceOf(node.callFrame.url)
    bySource.set(source, (bySource.get(source) ?? 0) + 1)
  }
  return [...bySource].map(([source, count]) => [source, count / profile.samples.length]).sort((a, b) => b[1] - a[1])
}

/** Total (inclusive) time of the frames whose source matches `test`, without counting recursion twice. */
export function inclusiveShare(profile, test) {
  const tree = callTree(profile)
  let matched = 0
  const walk = (node, inside) => {
    const hit = !inside && test(node)
    if (hit) matched += node.samples
    for (const child of node.children) walk(child, inside || hit)
  }
  walk(tree, false)
  return matched / tree.samples
}

const escape = text => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** A flame graph (root at the bottom), idle time left out; frames narrower than 0.1 % are dropped. */
export function flameGraphSvg(profile, { title, width = 1200, rowHeight = 16, highlight = () => false } = {}) {
  const tree = callTree(profile)
  tree.children = tree.children.filter(child => child.name !== '(idle)')
  tree.samples = tree.children.reduce((sum, child) => sum + child.samples, 0)
  const minSamples = tree.samples / 1000
  const rects = []
  let depthMax = 0
  const place = (node, x, depth) => {
    depthMax = Math.max(depthMax, depth)
    rects.push({ node, x, depth })
    let offset = x
    for (const child of [...node.children].sort((a, b) => a.name.localeCompare(b.name))) {
      if (child.samples >= minSamples) place(child, offset, depth + 1)
      offset += child.samples
    }
  }
  place(tree, 0, 0)
  const scale = width / tree.samples
  const height = (depthMax + 1) * rowHeight + 40
  const colour = (node) => {
    if (highlight(node)) return 'hsl(210 70% 60%)'
    const hash = [...node.name].reduce((sum, char) => (sum * 31 + char.charCodeAt(0)) % 360, 7)
    return `hsl(${20 + (hash % 40)} 80% ${55 + (hash % 15)}%)`
  }
  const body = rects.map(({ node, x, depth }) => {
    const w = node.samples * scale
    const y = height - (depth + 1) * rowHeight - 4
    const label = `${node.name} ${sourceOf(node.url)}:${node.line}`
    const tip = `${label} — ${(100 * node.samples / tree.samples).toFixed(1)} % (${node.samples} samples)`
    const text = w > 40 ? `<text x="${(x * scale + 3).toFixed(1)}" y="${y + rowHeight - 4}">${escape(label.slice(0, Math.floor(w / 6.5)))}</text>` : ''
    return `<g><title>${escape(tip)}</title><rect x="${(x * scale).toFixed(1)}" y="${y}" width="${Math.max(w - 0.5, 0.5).toFixed(1)}" height="${rowHeight - 1}" fill="${colour(node)}"/>${text}</g>`
  }).join('\n')
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="11">
<rect width="100%" height="100%" fill="#fff"/>
<text x="4" y="16" font-size="13">${escape(title ?? 'CPU profile')} — ${tree.samples} samples, idle left out; blue: nuxt-gatekeeper and Pinia</text>
${body}
</svg>
`
}
