// Machine instructions a server executes per SSR view, counted by valgrind's callgrind. On a shared two-core
// machine req/s moves by ten points from run to run and two identical builds time 0.96 to 1.04 of each other: the
// noise comes from caches and memory bandwidth, which instruction counts do not see.
//
// A count repeats only if V8 does the same thing each time, so the server runs with:
// - `--predictable`: one thread, no decisions driven by timers;
// - `--no-opt --always-sparkplug`: every function runs as Sparkplug's baseline code from its first call. With the
//   optimising compiler on, when each function got optimised (or deoptimised) differed between two runs of one
//   build, and their counts differed by up to 5 %. Baseline code runs about twice the instructions of optimised
//   code, so the figure is a measure of work, not of time; its ratios are what to compare.
// - `--no-incremental-marking --no-flush-bytecode`: the collector's marking ran alongside the render, with its
//   write barriers counted as the render's, and flushed bytecode had to be compiled again.
// Two runs of one build then agree to 0.1 %, so a cut of half a per cent of a render shows.
//
// What is counted: JavaScript, V8's builtins and runtime, Node and libc. What is not: V8's compilers and its
// garbage collector, left out by function name (the memory side of the cost is the allocation row,
// allocation.mjs).
//
// How: the server runs under `valgrind --tool=callgrind --dump-before=uv_getrusage` with the probe preloaded.
// After the warm-up the parent asks the probe for a mark (process.cpuUsage(), i.e. uv_getrusage), sends the
// measured views, and asks again: callgrind's second part holds those views and nothing else. callgrind_annotate
// then lists each function's own count.
import { execFile } from 'node:child_process'
import { readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { PROBE, askProbe } from './allocation.mjs'
import { expectSignedInView, startServer, visitorCookie, withSteadySessionCache } from './server.mjs'
import { findValgrind } from '../../scripts/valgrind.mjs'

const run = promisify(execFile)

/** How the figure is taken: `views` sequential views after `warmUp` (every lazy part settled; the session cache kept, server.mjs withSteadySessionCache). */
export const INSTRUCTIONS_RUN = { views: 400, warmUp: 600 }

/** How V8 runs under the count (see the top of this file). */
export const V8_FLAGS = ['--predictable', '--no-opt', '--always-sparkplug', '--no-incremental-marking', '--no-flush-bytecode', '--hash-seed=1', '--random-seed=1']

/** V8's compilers (optimising, baseline, bytecode, parser, regexp) and its code bookkeeping. */
const COMPILE = /v8::internal::compiler::|v8::internal::Compiler|v8::internal::maglev|v8::internal::baseline|v8::internal::interpreter::|Parser|Parse[A-Z]|Preparse|Scanner|v8::internal::Zone|ZoneList|v8::internal::Ast|v8::internal::Scope|DeclarationScope|SourcePosition|OptimizedCompilationInfo|Assembler::|RegExpCompiler|RegExpParser|RegExpBytecode|v8::internal::RegExp(?:Macro|Node|Text|Tree|Disjunction|Alternative|Atom|Char)|LiveRange|RegisterAlloc|Deoptimiz|TranslationArray|FrameState|RelocInfo|SafepointTable|CodeEventListener|Logger::|PerfBasic/
/**
 * Work of the render that COMPILE's `Parser`/`Parse[A-Z]` would also match: V8's JSON parser (every JSON.parse, the
 * session cache's copy among them), Node's HTTP parser, and number and date parsing (parseInt, Date.parse). Always
 * counted.
 */
const RUNTIME_PARSING = /Json|node::|llhttp|(?:Builtins|Runtime)_\w*Parse|ParseIntHelper|DateParser/
/** V8's garbage collector: scavenges, marking, compaction, sweeping and their visitors and slot sets. */
const COLLECTOR = /v8::internal::Heap::(?:CollectGarbage|CollectAllGarbage|PerformGarbageCollection|Scavenge|MarkCompact|StartIncrementalMarking|FinalizeIncrementalMarking|OnMoveEvent|IterateRoots|Shrink|Reduce|GarbageCollection)|heap::base::|cppgc::|Scaveng|Marking|MarkCompact|MarkBit|Sweep|Evacuat|Visitor|BodyDescriptor|LiveObject|RememberedSet|SlotSet|TypedSlot|MemoryChunk|MemoryAllocator|FreeList|GCTracer|GlobalHandles::(?:Iterate|Process|Compute|Post)|Worklist|Ephemeron|PretenuringHandler|ArrayBufferSweeper|ObjectStats|UsedInstanceSize|HeapObject::SizeFromMap/

/**
 * Instructions per view from `callgrind_annotate`'s listing of the measured part (one line per function, its own
 * count first). Lines at half the total or more are the frames below the event loop, listed with the part's whole
 * count, not work of their own.
 * @returns {{ counted: number, compile: number, collector: number, total: number }} instructions per view
 */
export function instructionsFromAnnotate(listing, views) {
  const sums = { counted: 0, compile: 0, collector: 0 }
  let total = 0
  let functions = false
  for (const line of listing.split('\n')) {
    const row = line.match(/^\s*([\d,]+) (?:\([^)]*\))? *(\S.*)$/)
    if (!row) {
      if (line.includes('file:function')) functions = true
      continue
    }
    const count = Number(row[1].replaceAll(',', ''))
    if (row[2].includes('PROGRAM TOTALS')) {
      total = count
      continue
    }
    if (!functions || count >= total / 2) continue
    sums[COMPILE.test(row[2]) && !RUNTIME_PARSING.test(row[2]) ? 'compile' : COLLECTOR.test(row[2]) ? 'collector' : 'counted'] += count
  }
  if (!total) throw new Error('callgrind_annotate listed no PROGRAM TOTALS: not a callgrind listing')
  return { counted: sums.counted / views, compile: sums.compile / views, collector: sums.collector / views, total: total / views }
}

/** Per variant: `{ perView, compilePerView, collectorPerView }` (instructions; see INSTRUCTIONS_RUN). */
export async function measureInstructions(variants, { views, warmUp } = INSTRUCTIONS_RUN, { parallel = 2 } = {}) {
  const valgrind = findValgrind()
  const results = new Map()
  const queue = [...variants]
  async function worker() {
    for (let variant = queue.shift(); variant; variant = queue.shift()) {
      // One worker's failure ends the run: the other starts no more servers, which nothing would stop.
      const result = await measureOne(valgrind, variant, { views, warmUp }).catch((error) => {
        queue.length = 0
        throw error
      })
      results.set(variant.name, result)
      process.stdout.write(`  ${variant.name}: ${(result.perView / 1e6).toFixed(3)} M instructions per view\n`)
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker))
  return new Map(variants.map(variant => [variant.name, results.get(variant.name)]))
}

async function measureOne(valgrind, variant, { views, warmUp }) {
  const out = join(tmpdir(), `bench-callgrind-${variant.name}-${process.pid}`)
  const server = await startServer(withSteadySessionCache(variant), {
    command: [valgrind, '--tool=callgrind', `--callgrind-out-file=${out}`, '--dump-before=uv_getrusage', '--smc-check=all-non-file', process.execPath],
    nodeArgs: [...V8_FLAGS, '--import', PROBE],
    ipc: true,
    startTimeoutMs: 180_000,
  })
  try {
    await server.control({ rotate: false, accessTtl: 3600 })
    const { user, cookie } = variant.auth ? await visitorCookie(server) : { cookie: '' }
    await expectSignedInView(server, user, cookie)
    const viewAll = async (count) => {
      for (let index = 0; index < count; index++) {
        const response = await fetch(`${server.url}/a`, { headers: { cookie }, redirect: 'manual' })
        await response.text()
        if (response.status !== 200) throw new Error(`${variant.name}: /a answered ${response.status} while counting instructions`)
      }
    }
    await viewAll(warmUp)
    await askProbe(server, { instructions: 'mark' })
    await viewAll(views)
    await askProbe(server, { instructions: 'mark' })
    const { stdout } = await run('callgrind_annotate', ['--threshold=100', `${out}.2`], { maxBuffer: 256 * 1024 * 1024 })
    const { counted, compile, collector } = instructionsFromAnnotate(stdout, views)
    return { perView: Math.round(counted), compilePerView: Math.round(compile), collectorPerView: Math.round(collector) }
  }
  finally {
    await server.stopAndWait()
    for (const file of readdirSync(tmpdir()).filter(name => name.startsWith(`bench-callgrind-${variant.name}-${process.pid}`))) rmSync(join(tmpdir(), file), { force: true })
  }
}
