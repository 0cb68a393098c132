import { turnClock } from "../turn.ts";

/** Token buckets per key (a user or a socket): `burst` tokens, refilled at `perSecond`. Pure except for the clock. */
export interface RateLimiter {
  /** Take one token for `key`; false when the bucket is empty. */
  take(key: string): boolean;
  readonly perSecond: number;
}

export function createRateLimiter(options: { burst: number; perSecond: number; now?: () => number; maxKeys?: number }): RateLimiter {
  const now = options.now ?? turnClock;
  const maxKeys = options.maxKeys ?? 10_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    perSecond: options.perSecond,
    take(key) {
      const t = now();
      let bucket = buckets.get(key);
      if (!bucket) {
        if (buckets.size >= maxKeys) {
          // forget the oldest bucket (insertion order): a full one is what a new user would get anyway
          const oldest = buckets.keys().next().value;
          if (oldest !== undefined) buckets.delete(oldest);
        }
        bucket = { tokens: options.burst, at: t };
        buckets.set(key, bucket);
      }
      bucket.tokens = Math.min(options.burst, bucket.tokens + ((t - bucket.at) / 1000) * options.perSecond);
      bucket.at = t;
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
  };
}
