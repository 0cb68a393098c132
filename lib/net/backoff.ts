export interface BackoffOptions {
  /** First delay in ms. */
  baseMs: number;
  /** Largest delay in ms. */
  capMs: number;
  /** 0..1: fraction of the delay that is randomised. */
  jitter: number;
}

export const lookupBackoff: BackoffOptions = { baseMs: 250, capMs: 4000, jitter: 0.2 };

/** Capped exponential backoff with jitter. attempt 0 is the first retry. `random` returns 0..1. */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponential = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt));
  const spread = exponential * options.jitter;
  return Math.round(Math.max(0, exponential - spread + random() * 2 * spread));
}

/** Resolve after ms, or reject early when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
