/**
 * Rate limits for viewer input: token buckets keyed by user (or one key for a global limit). Pure apart from
 * the injected clock; memory is bounded by evicting the least recently used keys.
 */

export type Clock = () => number;

export interface BucketOptions {
  /** Most tokens a key can hold (the burst). 0 = no limit. */
  capacity: number;
  /** Tokens added per second. */
  refillPerSecond: number;
  /** Keys remembered at most; the least recently used is forgotten first (default 10,000). */
  maxKeys?: number;
}

/** Tolerance for float refills: 300 ms × (1000/300 per s) must count as one whole token. */
const EPSILON = 1e-9;

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxKeys: number;

  constructor(
    private readonly options: BucketOptions,
    private readonly now: Clock,
  ) {
    this.maxKeys = Math.max(1, options.maxKeys ?? 10_000);
  }

  get unlimited(): boolean {
    return this.options.capacity <= 0 || this.options.refillPerSecond <= 0;
  }

  /** Keys currently remembered. */
  get size(): number {
    return this.buckets.size;
  }

  private level(key: string): Bucket {
    const now = this.now();
    const bucket = this.buckets.get(key);
    if (!bucket) return { tokens: this.options.capacity, at: now };
    const refilled = bucket.tokens + (Math.max(0, now - bucket.at) * this.options.refillPerSecond) / 1000;
    return { tokens: Math.min(this.options.capacity, refilled), at: now };
  }

  /** True when `key` could take a token now (nothing is taken). */
  peek(key: string): boolean {
    return this.unlimited || this.level(key).tokens >= 1 - EPSILON;
  }

  /** Take a token for `key`; false (and nothing taken) when it has none. */
  take(key: string): boolean {
    if (this.unlimited) return true;
    const bucket = this.level(key);
    if (bucket.tokens < 1 - EPSILON) return false;
    bucket.tokens = Math.max(0, bucket.tokens - 1);
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    return true;
  }

  /** Milliseconds until `key` has a token again (0 = now). */
  retryAfterMs(key: string): number {
    if (this.unlimited) return 0;
    const missing = 1 - this.level(key).tokens;
    return missing <= EPSILON ? 0 : Math.ceil((missing * 1000) / this.options.refillPerSecond);
  }
}

/** A cooldown: at most one accepted action per `ms` per key (a bucket of one token). 0 = no cooldown. */
export function cooldown(ms: number, now: Clock, maxKeys?: number): TokenBuckets {
  return new TokenBuckets({ capacity: ms > 0 ? 1 : 0, refillPerSecond: ms > 0 ? 1000 / ms : 0, maxKeys }, now);
}

/** `n` per `periodMs`, with a burst of `n`. 0 = no limit. */
export function perPeriod(n: number, periodMs: number, now: Clock, maxKeys?: number): TokenBuckets {
  return new TokenBuckets({ capacity: n, refillPerSecond: n > 0 ? (n * 1000) / periodMs : 0, maxKeys }, now);
}
