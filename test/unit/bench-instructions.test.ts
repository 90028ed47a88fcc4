// The bench's instruction count (bench/lib/instructions.mjs): which functions it counts, and on a real callgrind
// run that the count follows the work done between the probe's two marks.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { V8_FLAGS, instructionsFromAnnotate } from '../../bench/lib/instructions.mjs'
import { findValgrind } from '../../scripts/valgrind.mjs'

const run = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'bench-instructions-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const LISTING = `--------------------------------------------------------------------------------
Profile data file 'x.2' (creator: callgrind-3.19.0)
--------------------------------------------------------------------------------
Events recorded:  Ir
--------------------------------------------------------------------------------
Ir
--------------------------------------------------------------------------------
2,000,000 (100.0%)  PROGRAM TOTALS

--------------------------------------------------------------------------------
Ir                  file:function
--------------------------------------------------------------------------------
1,999,000 (99.95%)  ???:node::SpinEventLoopInternal(node::Environment*) [/usr/bin/node]
  500,000 (25.00%)  ???:0x000000000d165440 [???]
  300,000 (15.00%)  ???:v8::internal::compiler::GraphReducer::ReduceTop() [/usr/bin/node]
  200,000 (10.00%)  ???:heap::base::SlotCallbackResult v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>(v8::internal::FullHeapObjectSlot, v8::internal::HeapObject) [/usr/bin/node]
  150,000 ( 7.50%)  ???:Builtins_LoadIC_Megamorphic [/usr/bin/node]
  100,000 ( 5.00%)  ???:v8::internal::Compiler::CompileOptimized(v8::internal::Isolate*) [/usr/bin/node]
   50,000 ( 2.50%)  ???:v8::internal::LookupIterator::State v8::internal::LookupIterator::LookupInRegularHolder<false>(v8::internal::Map, v8::internal::JSReceiver) [/usr/bin/node]
   40,000 ( 2.00%)  ???:void v8::internal::MarkingVisitorBase<v8::internal::MainMarkingVisitor<v8::internal::MarkingState>, v8::internal::MarkingState>::ProcessStrongHeapObject() [/usr/bin/node]
   10,000 ( 0.50%)  ./string/../sysdeps/x86_64/multiarch/memmove-vec-unaligned-erms.S:__memcpy_avx_unaligned_erms [/usr/lib/x86_64-linux-gnu/libc.so.6]
    8,000 ( 0.40%)  ???:v8::internal::JsonParser<unsigned char>::ParseJsonValue() [/usr/bin/node]
    4,000 ( 0.20%)  ???:node::(anonymous namespace)::Parser::Execute(char const*, unsigned long) [/usr/bin/node]
    2,000 ( 0.10%)  ???:Builtins_NumberParseInt [/usr/bin/node]
      500 ( 0.03%)  ???:Builtins_DeoptimizationEntry_Eager [/usr/bin/node]
      300 ( 0.02%)  ???:v8::internal::Runtime_StringParseFloat(int, unsigned long*, v8::internal::Isolate*) [/usr/bin/node]
    1,000 ( 0.05%)  ???:v8::internal::Parser::ParseFunctionLiteral(v8::internal::AstRawString const*) [/usr/bin/node]
`

describe('instructionsFromAnnotate', () => {
  it('counts JavaScript, builtins, the runtime (JSON.parse and the HTTP parser too) and libc; leaves out the compilers (the source parser too), the collector and the frames below the loop', () => {
    expect(instructionsFromAnnotate(LISTING, 10)).toEqual({
      counted: (500_000 + 150_000 + 50_000 + 10_000 + 8_000 + 4_000 + 2_000 + 300) / 10,
      compile: (300_000 + 100_000 + 1_000 + 500) / 10,
      collector: (200_000 + 40_000) / 10,
      total: 200_000,
    })
  })

  it('refuses what is not a callgrind listing', () => {
    expect(() => instructionsFromAnnotate('nothing here', 1)).toThrow(/PROGRAM TOTALS/)
  })
})

describe('a real callgrind run', () => {
  /** Instructions counted between the fixture's two marks, for `units` units of work. */
  let runs = 0
  async function counted(units: number) {
    const out = join(dir, `count-${units}-${runs++}`)
    await run(findValgrind(), ['--tool=callgrind', `--callgrind-out-file=${out}`, '--dump-before=uv_getrusage', '--smc-check=all-non-file', process.execPath, ...V8_FLAGS, fileURLToPath(new URL('./fixtures/counted-work.mjs', import.meta.url)), String(units)], { maxBuffer: 64 * 1024 * 1024 })
    const { stdout } = await run('callgrind_annotate', ['--threshold=100', `${out}.2`], { maxBuffer: 256 * 1024 * 1024 })
    return instructionsFromAnnotate(stdout, 1).counted
  }

  it('counts the work between the marks: twice the work, twice the count; the same work, the same count', async () => {
    const [one, again, two] = await Promise.all([counted(300), counted(300), counted(600)])
    expect(one).toBeGreaterThan(300 * 10_000)
    expect(two / one).toBeGreaterThan(1.8)
    expect(two / one).toBeLessThan(2.2)
    expect(Math.abs(again - one) / one).toBeLessThan(0.005)
  }, 180_000)
})
