// Preloaded into a bench server (`node --import …/allocation-probe.mjs server/index.mjs`, with an IPC channel):
// on the parent's `{ allocation: 'start' }` V8's sampling heap profiler starts in this process, on
// `{ allocation: 'stop' }` it stops and the bytes it saw allocated go back as `{ allocatedBytes }`. Objects the
// garbage collector has already freed count too: what a request allocates, not what it leaves behind.
// On `{ heap: 'held' }` (with `--expose-gc`) it collects garbage and answers `{ heapUsed }`: what the server holds.
// On `{ instructions: 'mark' }` it reads the process's CPU usage, nothing else: under callgrind with
// `--dump-before=uv_getrusage` that call closes one part of the count (see instructions.mjs).
import { Session } from 'node:inspector/promises'

// Connected only while sampling: a connected inspector keeps every console message and what it logged (V8 stores
// them for a DevTools front end that may come), so the held heap of a server that logs would count its logs.
const session = new Session()
process.on('message', async (message) => {
  if (message?.allocation === 'start') {
    session.connect()
    await session.post('HeapProfiler.enable')
    // A sample (a stack trace) every 4 KiB on average: about fifty thousand over the bench's 500 views, and
    // runs of the same views differ by 1 to 4 %. Every 128 bytes the views ran ten times slower.
    await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true })
    process.send({ allocation: 'started' })
  }
  else if (message?.instructions === 'mark') {
    process.cpuUsage()
    process.send({ instructions: 'marked' })
  }
  else if (message?.heap === 'held') {
    // What is still reachable: two full collections first (the second frees what the first's finalisers let go).
    if (typeof globalThis.gc !== 'function') return process.send({ error: 'the heap probe needs node --expose-gc' })
    globalThis.gc()
    globalThis.gc()
    process.send({ heapUsed: process.memoryUsage().heapUsed })
  }
  else if (message?.allocation === 'stop') {
    const { profile } = await session.post('HeapProfiler.stopSampling')
    session.disconnect()
    let allocatedBytes = 0
    const pending = [profile.head]
    while (pending.length) {
      const node = pending.pop()
      allocatedBytes += node.selfSize
      pending.push(...node.children)
    }
    process.send({ allocatedBytes })
  }
})
// The channel (ref'd again by the listener above) must not keep the server alive once Nitro stops listening.
process.channel?.unref()
