// Small statistics shared by the bench's measurements.

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** The range of a set of pair ratios, e.g. "0.95 to 1.03". */
export function pairRange(pairRatios) {
  return `${Math.min(...pairRatios).toFixed(2)} to ${Math.max(...pairRatios).toFixed(2)}`
}

/**
 * Bare timed beside a second bare server (bench/lib/throughput.mjs): its median ratio and its pairs' range, e.g.
 * "0.99× (pairs 0.95 to 1.03)".
 * @param {{ cpuRatio: number, pairRatios: number[] }} control
 */
export function controlSummary(control) {
  const range = control.pairRatios.length ? ` (pairs ${pairRange(control.pairRatios)})` : ''
  return `${control.cpuRatio.toFixed(2)}×${range}`
}
