// The runner's switches: reset the counters, set the access-token lifetime, turn rotation off or on.
export default defineEventHandler(async (event) => {
  const body = await readBody<{ reset?: boolean, accessTtl?: number, rotate?: boolean }>(event)
  if (body.reset) {
    backendState.counters.clear()
    backendState.reuseDetections = 0
    backendState.reuseLog = []
  }
  if (typeof body.accessTtl === 'number') backendState.accessTtl = body.accessTtl
  if (typeof body.rotate === 'boolean') backendState.rotate = body.rotate
  return { ok: true }
})
