// The bench's CPU time per thread (bench/lib/cpu.mjs), which `npm run bench:profile -- --cpu-only` reports: work
// done in this process's JavaScript lands on the main thread, work of a worker thread on the helpers.
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { clockTicks, clockTicksByThread } from '../../bench/lib/cpu.mjs'

/** CPU ticks (10 ms) of this process during `work`, in all and split by thread. */
async function ticksDuring(work: () => Promise<void> | void) {
  const totalBefore = clockTicks(process.pid)
  const before = clockTicksByThread(process.pid)
  await work()
  const after = clockTicksByThread(process.pid)
  return { total: clockTicks(process.pid) - totalBefore, main: after.main - before.main, helpers: after.helpers - before.helpers }
}

describe('bench CPU time by thread', () => {
  it('counts JavaScript run by the main thread as the main thread\'s', async () => {
    // Vitest's default pool runs a test file in a forked process: this loop runs on that process's main thread.
    const start = clockTicks(process.pid)
    let spin = 0
    const ticks = await ticksDuring(() => {
      while (clockTicks(process.pid) - start < 30) spin += Math.sqrt(spin + 1)
    })
    expect(spin).toBeGreaterThan(0)
    expect(ticks.main).toBeGreaterThanOrEqual(0.8 * ticks.total)
    expect(ticks.helpers).toBeLessThanOrEqual(0.2 * ticks.total)
  })

  it('counts a worker thread\'s work as the helpers\', not the main thread\'s', async () => {
    const ticks = await ticksDuring(() => new Promise<void>((resolve, reject) => {
      // 300 ms of CPU in the worker (its own thread's ticks, however busy the machine) while the main thread waits.
      const worker = new Worker(`
        const { readFileSync } = require('node:fs')
        const ticks = () => { const stat = readFileSync('/proc/thread-self/stat', 'utf8'); const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); return Number(fields[11]) + Number(fields[12]) }
        let x = 0
        while (ticks() < 30) x += Math.sqrt(x + 1)`, { eval: true })
      worker.once('error', reject)
      worker.once('exit', () => resolve())
    }))
    expect(ticks.total).toBeGreaterThanOrEqual(20)
    expect(ticks.helpers).toBeGreaterThanOrEqual(0.6 * ticks.total)
    expect(ticks.main).toBeLessThanOrEqual(0.4 * ticks.total)
  })
})
