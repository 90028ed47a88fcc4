// Renders the results as one markdown table (figures as rows, variants as columns) plus the machine it ran on.
import { cpus, totalmem, release, platform } from 'node:os'

const kB = bytes => `${(bytes / 1000).toFixed(1)} kB`
const signed = bytes => `${bytes >= 0 ? '+' : '−'}${kB(Math.abs(bytes))}`
const plural = (count, word) => `${count} ${word}${count === 1 ? '' : 's'}`

function callsCell(calls, { data = false } = {}) {
  const parts = [plural(calls.session, 'session'), plural(calls.refresh, 'refresh').replace('refreshs', 'refreshes')]
  if (data) parts.push(`${calls.data} API`)
  return parts.join(' · ')
}

export function machineDescription(chromiumVersion) {
  const cpu = cpus()
  return `${platform()} ${release()}, ${cpu.length} × ${cpu[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, Chromium ${chromiumVersion}`
}

export function renderReport({ variants, bytes, throughput, api = [], instances = null, scenarios, options, machine, date }) {
  const bare = variants.find(variant => !variant.auth)
  const bareRate = throughput.get(bare.name)?.median
  const rows = []
  const row = (figure, cell) => rows.push(`| ${figure} | ${variants.map(variant => cell(variant) ?? '—').join(' | ')} |`)
  const ran = (variant, name) => variant.auth ? scenarios.get(variant.name)?.[name] : undefined
  const measured = variant => variant.auth && scenarios.has(variant.name)
  const needsRefresh = (variant, name, render) => {
    if (!variant.auth) return undefined
    if (!variant.refresh) return 'n/a (no refresh token)'
    const result = ran(variant, name)
    return result && render(result)
  }

  row('client JS, total / gzip', variant => `${kB(bytes.get(variant.name).total)} / ${kB(bytes.get(variant.name).gzip)}`)
  row('client JS added to bare, total / gzip', variant => variant.auth
    ? `${signed(bytes.get(variant.name).total - bytes.get(bare.name).total)} / ${signed(bytes.get(variant.name).gzip - bytes.get(bare.name).gzip)}`
    : undefined)
  row(`SSR req/s, protected page, valid cookie (median of ${options.rounds} × ${options.duration} s)`, (variant) => {
    const result = throughput.get(variant.name)
    const failed = result.failed ? `, ${result.failed} failed` : ''
    return `${Math.round(result.median)} (${(result.median / bareRate).toFixed(2)}× bare${failed})`
  })
  row('backend calls per SSR view (throughput run)', variant => throughput.get(variant.name).backendCallsPerView.toFixed(2))
  row('full load + hydration', variant => ran(variant, 'load') && callsCell(ran(variant, 'load').calls))
  row('3 client-side navigations', variant => ran(variant, 'navigate') && callsCell(ran(variant, 'navigate').calls))
  row('reload, expired access token', variant => needsRefresh(variant, 'expiredReload', result => callsCell(result.calls)))
  row('20 concurrent API calls, expired token', variant => needsRefresh(variant, 'burst', result => `${callsCell(result.calls, { data: true })} · ${result.succeeded} succeeded`))
  row(`3 tabs across expiries (${options.tabsTtl} s tokens), then 1 API call per tab`, variant => needsRefresh(variant, 'tabs', result =>
    `${plural(result.calls.refresh, 'refresh').replace('refreshs', 'refreshes')} in ${result.lifetimes.toFixed(1)} lifetimes · ${plural(result.reuseDetections, 'reuse detection')} · ${result.apiOk}/3 API calls succeeded`))
  const everyScenario = variant => Object.entries(scenarios.get(variant.name) ?? {}).filter(([name]) => name !== 'signIn').map(([, result]) => result)
  row('spurious sign-outs (all scenarios)', variant => measured(variant) ? String(everyScenario(variant).reduce((sum, result) => sum + result.signedOut, 0)) : undefined)
  row('console errors (all scenarios)', variant => measured(variant)
    ? String([...everyScenario(variant), scenarios.get(variant.name).signIn].reduce((sum, result) => sum + result.errors.length, 0))
    : undefined)
  row(`sign-in → \`authenticated\` (median of ${options.signInRuns})`, variant => measured(variant) ? `${Math.round(scenarios.get(variant.name).signIn.median)} ms` : undefined)

  const errorNotes = variants.filter(measured).flatMap((variant) => {
    const seen = new Map()
    for (const [name, result] of Object.entries(scenarios.get(variant.name))) {
      for (const error of result.errors) seen.set(`${name}: ${error.slice(0, 160)}`, (seen.get(`${name}: ${error.slice(0, 160)}`) ?? 0) + 1)
    }
    return [...seen].map(([message, count]) => `- ${variant.label}, ${message}${count > 1 ? ` (×${count})` : ''}`)
  })

  const apiBaseline = api[0]?.median
  const apiRows = api.map(target => `| ${target.label} | ${Math.round(target.median)} | ${(target.median / apiBaseline).toFixed(2)}× | ${target.backendCallsPerRequest.toFixed(3)}${target.failed ? ` (${target.failed} failed)` : ''} |`)

  return [
    `| figure | ${variants.map(variant => variant.label).join(' | ')} |`,
    `|---|${variants.map(() => '---').join('|')}|`,
    ...rows,
    '',
    ...(api.length
      ? [
          `| API route (median req/s of ${options.rounds} × ${options.duration} s, ${options.connections} connections) | req/s | × no auth | backend calls per request |`,
          '|---|---|---|---|',
          ...apiRows,
          '',
        ]
      : []),
    ...(instances
      ? [
          `| Session mode on Redis behind a round-robin proxy (SSR, median req/s of ${options.rounds} × ${options.duration} s) | req/s |`,
          '|---|---|',
          `| one instance | ${Math.round(instances.one)} |`,
          `| two instances (same build, same Redis) | ${Math.round(instances.two)} (${(instances.two / instances.one).toFixed(2)}×) |`,
          '',
        ]
      : []),
    `Machine: ${machine}. Run ${date} with \`npm run bench\`.`,
    ...(errorNotes.length ? ['', 'Console errors:', ...errorNotes] : []),
  ].join('\n')
}
