/**
 * Single-flight: while an operation for a key is running, every caller gets the same promise
 * instead of starting another one. One per session manager (one per tab / per SSR request).
 */
export interface SingleFlight {
  run<T>(key: string, operation: () => Promise<T>): Promise<T>
  /** The promise currently in flight for `key`, if any. */
  current<T = unknown>(key: string): Promise<T> | undefined
}

export function createSingleFlight(): SingleFlight {
  const inFlight = new Map<string, Promise<unknown>>()
  return {
    run<T>(key: string, operation: () => Promise<T>): Promise<T> {
      const running = inFlight.get(key)
      if (running) return running as Promise<T>
      let started: Promise<T>
      try {
        // Started synchronously, so state changes made by `operation` happen before run() returns.
        started = Promise.resolve(operation())
      }
      catch (error) {
        started = Promise.reject(error)
      }
      const promise: Promise<T> = started.finally(() => {
        if (inFlight.get(key) === promise) inFlight.delete(key)
      })
      inFlight.set(key, promise)
      return promise
    },
    current<T>(key: string) {
      return inFlight.get(key) as Promise<T> | undefined
    },
  }
}
