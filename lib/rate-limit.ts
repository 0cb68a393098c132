/**
 * Rate limits: token buckets per key (a user, a socket, or one key for a global limit). A key holds at most
 * `burst` tokens, gets `perSecond` tokens back every second, and spends one on each accepted action. Used by
 * `serve` (viewer commands, chat, clicks, every socket's events) and by Twitch control (chat cooldowns and
 * rates, extension requests).
 *
 * 0 means no limit: a `burst` or `perSecond` of 0 lets everything through, as the Twitch settings say
 * (`twitch.user_per_minute = 0`). Pure apart from the injected clock; no timers: a bucket is refilled when
 * it is next read. Memory is bounded by forgetting the least recently used keys (a tenth at a time; they come back full). A
 * `take` allocates nothing once its key has a bucket and writes only that bucket: it runs for every command a
 * server relays.
 *
 * A limit that belongs to one thing that lives and dies with it (a socket's budget of inbound events) is a
 * `TokenBucket`: the same refill, without a key, a map or a place in the least-recently-used list.
 */
import type { Clock } from "./clock.ts";

export interface RateLimit {
  /** Most tokens a key holds: actions in a row before the rate applies. 0 = no limit. */
  burst: number;
  /** Tokens a key gets back per second. 0 = no limit. */
  perSecond: number;
  /** Keys remembered at most (default 10,000). */
  maxKeys?: number;
}

/** Tolerance for float refills: 300 ms at 1000/300 tokens a second must count as one whole token. */
const EPSILON = 1e-9;

/** A limit and its clock: what a single bucket and a limiter of keyed buckets share. */
abstract class Limit {
  readonly burst: number;
  readonly perSecond: number;
  /** A burst or rate of 0: everything goes through. */
  readonly unlimited: boolean;

  constructor(
    limit: RateLimit,
    protected readonly now: Clock["now"],
  ) {
    this.burst = limit.burst;
    this.perSecond = limit.perSecond;
    this.unlimited = !(limit.burst > 0 && limit.perSecond > 0);
  }

  /** `tokens` as of `since`, refilled up to `at`: never above the burst (a clock that steps back adds nothing). */
  protected refill(tokens: number, since: number, at: number): number {
    return Math.min(this.burst, tokens + (Math.max(0, at - since) * this.perSecond) / 1000);
  }
}

/** One bucket for one owner (not keyed): starts full. */
export class TokenBucket extends Limit {
  private tokens: number;
  private at: number;

  constructor(limit: RateLimit, now: Clock["now"]) {
    super(limit, now);
    this.tokens = limit.burst;
    this.at = now();
  }

  /** Take a token; false (and nothing taken) when there is none. */
  take(): boolean {
    if (this.unlimited) return true;
    const at = this.now();
    const tokens = this.refill(this.tokens, this.at, at);
    if (tokens < 1 - EPSILON) return false;
    this.tokens = Math.max(0, tokens - 1);
    this.at = at;
    return true;
  }
}

/** A key's tokens, and when it last took one (a count of takes, for forgetting the least recently used). */
interface Bucket {
  key: string;
  tokens: number;
  at: number;
  used: number;
}

export class RateLimiter extends Limit {
  private readonly maxKeys: number;
  private readonly buckets = new Map<string, Bucket>();
  private takes = 0;

  constructor(limit: RateLimit, now: Clock["now"]) {
    super(limit, now);
    this.maxKeys = Math.max(1, limit.maxKeys ?? 10_000);
  }

  /** Keys currently remembered. */
  get size(): number {
    return this.buckets.size;
  }

  /** Tokens `key` holds now (`burst` for a key not seen, or forgotten). */
  tokens(key: string): number {
    const bucket = this.buckets.get(key);
    return bucket ? this.refilled(bucket, this.now()) : this.burst;
  }

  /** True when `key` could take a token now (nothing is taken). */
  peek(key: string): boolean {
    return this.unlimited || this.tokens(key) >= 1 - EPSILON;
  }

  /** Take a token for `key`; false (and nothing taken) when it has none. */
  take(key: string): boolean {
    if (this.unlimited) return true;
    const at = this.now();
    let bucket = this.buckets.get(key);
    const tokens = bucket ? this.refilled(bucket, at) : this.burst;
    if (tokens < 1 - EPSILON) return false;
    if (!bucket) this.buckets.set(key, (bucket = { key, tokens, at, used: 0 }));
    bucket.tokens = Math.max(0, tokens - 1);
    bucket.at = at;
    // one write to the bucket itself: a take touches nothing else (a command runs with a cold cache)
    bucket.used = ++this.takes;
    if (this.buckets.size > this.maxKeys) this.forgetLeastUsed();
    return true;
  }

  /** Over the bound: forget the least recently used tenth of the keys at once (one sort per many new keys). */
  private forgetLeastUsed(): void {
    const byUse = [...this.buckets.values()].sort((a, b) => a.used - b.used);
    const forget = Math.max(1, Math.floor(this.maxKeys / 10));
    for (const bucket of byUse.slice(0, forget)) this.buckets.delete(bucket.key);
  }

  /** Milliseconds until `key` has a token again (0 = now). */
  retryAfterMs(key: string): number {
    if (this.unlimited) return 0;
    const missing = 1 - this.tokens(key);
    return missing <= EPSILON ? 0 : Math.ceil((missing * 1000) / this.perSecond);
  }

  private refilled(bucket: Bucket, at: number): number {
    return this.refill(bucket.tokens, bucket.at, at);
  }
}

/** A cooldown: at most one accepted action per `ms` per key (a bucket of one token). 0 = no cooldown. */
export function cooldown(ms: number, now: Clock["now"], maxKeys?: number): RateLimiter {
  return new RateLimiter({ burst: ms > 0 ? 1 : 0, perSecond: ms > 0 ? 1000 / ms : 0, maxKeys }, now);
}

/** `n` per `periodMs`, with a burst of `n`. 0 = no limit. */
export function perPeriod(n: number, periodMs: number, now: Clock["now"], maxKeys?: number): RateLimiter {
  return new RateLimiter({ burst: n, perSecond: n > 0 ? (n * 1000) / periodMs : 0, maxKeys }, now);
}
