export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export interface PollOptions<T> {
  timeoutMs: number
  /** First pause between observations (ms). */
  intervalMs?: number
  /** Each pause is the previous one times this (1 = constant), up to maxIntervalMs. */
  backoff?: number
  maxIntervalMs?: number
  /** Every observation, e.g. to update a spinner. */
  onUpdate?: (value: T) => void
  /** The error for a timeout, from the last observation. */
  onTimeout: (last: T) => Error
}

/**
 * Observe until `done` holds, pausing with backoff between observations; the last pause is cut to
 * the deadline. An error thrown by `observe` ends the wait at once (a FAILED state, say).
 */
export async function poll<T>(observe: () => Promise<T>, done: (value: T) => boolean, options: PollOptions<T>): Promise<T> {
  const deadline = Date.now() + options.timeoutMs
  let delay = options.intervalMs ?? 500
  for (;;) {
    const value = await observe()
    options.onUpdate?.(value)
    if (done(value)) return value
    const left = deadline - Date.now()
    if (left <= 0) throw options.onTimeout(value)
    await sleep(Math.min(delay, left))
    delay = Math.min(delay * (options.backoff ?? 1), options.maxIntervalMs ?? Number.POSITIVE_INFINITY)
  }
}

