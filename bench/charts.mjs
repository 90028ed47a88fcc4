// `node bench/charts.mjs`: redraws the benchmark charts from bench/results/latest.json without running the
// bench (run.mjs writes both after every full run). Options: --in FILE (another results JSON), --out DIR
// (default docs/public/benchmarks).
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { writeCharts } from './lib/results.mjs'

const benchDir = fileURLToPath(new URL('.', import.meta.url))

const { values: flags } = parseArgs({
  options: {
    in: { type: 'string', default: join(benchDir, 'results', 'latest.json') },
    out: { type: 'string', default: join(benchDir, '..', 'docs', 'public', 'benchmarks') },
  },
})
if (!existsSync(flags.in)) {
  process.stderr.write(`${flags.in} does not exist: \`npm run bench\` writes it\n`)
  process.exit(1)
}
const json = JSON.parse(readFileSync(flags.in, 'utf8'))
for (const path of writeCharts(json, flags.out)) process.stdout.write(`${path}\n`)
