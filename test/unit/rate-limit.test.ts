/**
 * lib/rate-limit.ts on a clock the test moves by hand. The first two blocks are the tests of the two limiters
 * it replaced (serve's per-user limits, Twitch's cooldowns and rates), kept as they were.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { cooldown, perPeriod, RateLimiter, TokenBucket } from "../../lib/rate-limit.ts";

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe("rate limiter", () => {
  test("burst, then refill at the rate, per key", () => {
    let t = 0;
    const limiter = new RateLimiter({ burst: 3, perSecond: 2 }, () => t);
    expect([1, 2, 3, 4].map(() => limiter.take("a"))).toEqual([true, true, true, false]);
    expect(limiter.take("b")).toBe(true);
    t = 499;
    expect(limiter.take("a")).toBe(false);
    t = 501;
    expect(limiter.take("a")).toBe(true);
    expect(limiter.take("a")).toBe(false);
  });
  test("the number of keys is bounded", () => {
    // the clock stands still, so nothing refills (a rate of 0 would mean no limit at all)
    const limiter = new RateLimiter({ burst: 1, perSecond: 1, maxKeys: 2 }, () => 0);
    expect(limiter.take("a")).toBe(true);
    limiter.take("b");
    limiter.take("c"); // forgets "a"
    expect(limiter.take("a")).toBe(true);
  });
});

describe("token buckets", () => {
  test("cooldown lets one through per period, exactly at the boundary (float-safe)", () => {
    for (const ms of [300, 700, 1000, 1]) {
      const clock = manualClock();
      const limit = cooldown(ms, clock.now);
      expect(limit.take("a")).toBe(true);
      expect(limit.take("a")).toBe(false);
      expect(limit.take("b")).toBe(true);
      clock.advance(ms - 1);
      expect(limit.take("a")).toBe(false);
      expect(limit.retryAfterMs("a")).toBeGreaterThan(0);
      clock.advance(1);
      expect(limit.retryAfterMs("a")).toBe(0);
      expect(limit.take("a")).toBe(true);
    }
  });

  test("n per period allows a burst of n, then refills", () => {
    const clock = manualClock();
    const limit = perPeriod(3, 60_000, clock.now);
    expect([1, 2, 3, 4].map(() => limit.take("u"))).toEqual([true, true, true, false]);
    clock.advance(20_000);
    expect([limit.take("u"), limit.take("u")]).toEqual([true, false]);
  });

  test("0 means no limit", () => {
    const limit = perPeriod(0, 1000, () => 0);
    expect(Array.from({ length: 100 }, () => limit.take("x")).every(Boolean)).toBe(true);
    expect(cooldown(0, () => 0).take("x") && cooldown(0, () => 0).take("x")).toBe(true);
  });

  test("peek takes nothing", () => {
    const limit = cooldown(1000, () => 0);
    expect([limit.peek("a"), limit.peek("a"), limit.take("a"), limit.peek("a")]).toEqual([true, true, true, false]);
  });

  test("memory is bounded: the least recently used key is forgotten", () => {
    const limit = new RateLimiter({ burst: 1, perSecond: 0.001, maxKeys: 3 }, () => 0);
    for (const key of ["a", "b", "c", "d"]) expect(limit.take(key)).toBe(true);
    expect(limit.size).toBe(3);
    expect(limit.take("b")).toBe(false); // still remembered
    expect(limit.take("a")).toBe(true); // forgotten, so full again
  });
});

describe("one meaning of 0, past the refill, least recently used", () => {
  test("a burst or a rate of 0 means no limit", () => {
    for (const limit of [{ burst: 0, perSecond: 5 }, { burst: 5, perSecond: 0 }, { burst: 0, perSecond: 0 }]) {
      const limiter = new RateLimiter(limit, () => 0);
      expect(limiter.unlimited).toBe(true);
      expect(Array.from({ length: 1000 }, () => limiter.take("x")).every(Boolean)).toBe(true);
      expect([limiter.peek("x"), limiter.retryAfterMs("x"), limiter.size]).toEqual([true, 0, 0]);
    }
    expect(new RateLimiter({ burst: 1, perSecond: 0.001 }, () => 0).unlimited).toBe(false);
  });

  test("an empty bucket gets one token back after 1/rate, and never more than the burst however long it waits", () => {
    const clock = manualClock();
    const limiter = new RateLimiter({ burst: 4, perSecond: 2 }, clock.now);
    expect(Array.from({ length: 5 }, () => limiter.take("a"))).toEqual([true, true, true, true, false]);
    expect(limiter.retryAfterMs("a")).toBe(500);
    clock.advance(499);
    expect(limiter.take("a")).toBe(false);
    clock.advance(1);
    expect([limiter.take("a"), limiter.take("a")]).toEqual([true, false]);
    clock.advance(3_600_000); // an hour: far past the time to refill
    expect(limiter.tokens("a")).toBe(4);
    expect(Array.from({ length: 5 }, () => limiter.take("a"))).toEqual([true, true, true, true, false]);
  });

  test("a refused take changes nothing; a clock that steps back adds nothing", () => {
    const clock = manualClock();
    const limiter = new RateLimiter({ burst: 1, perSecond: 1 }, clock.now);
    limiter.take("a");
    clock.advance(400);
    expect(limiter.take("a")).toBe(false);
    expect(limiter.tokens("a")).toBeCloseTo(0.4);
    clock.advance(-10_000);
    expect(limiter.tokens("a")).toBe(0);
    expect(limiter.take("a")).toBe(false);
  });

  test("a key taken again is remembered over one taken longer ago", () => {
    const limiter = new RateLimiter({ burst: 2, perSecond: 0.001, maxKeys: 2 }, () => 0);
    limiter.take("a");
    limiter.take("b");
    limiter.take("a"); // "a" is now the most recently used
    limiter.take("c"); // forgets "b"
    expect([limiter.tokens("a"), limiter.tokens("b"), limiter.tokens("c")]).toEqual([0, 2, 1]);
  });

  test("tokens never exceed the burst nor go below 0, refill never lowers them, and a take spends exactly one", () => {
    const step = fc.oneof(fc.record({ advance: fc.integer({ min: 0, max: 5000 }) }), fc.record({ take: fc.constantFrom("a", "b", "c") }));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.double({ min: 0.01, max: 100, noNaN: true }), fc.array(step, { maxLength: 60 }), (burst, perSecond, steps) => {
        const clock = manualClock();
        const limiter = new RateLimiter({ burst, perSecond }, clock.now);
        for (const s of steps) {
          const before = ["a", "b", "c"].map((key) => limiter.tokens(key));
          if ("advance" in s) {
            clock.advance(s.advance);
            ["a", "b", "c"].forEach((key, i) => expect(limiter.tokens(key)).toBeGreaterThanOrEqual(before[i] as number));
          } else {
            const had = limiter.tokens(s.take);
            const took = limiter.take(s.take);
            expect(took).toBe(had >= 1 - 1e-9);
            expect(limiter.tokens(s.take)).toBeCloseTo(took ? Math.max(0, had - 1) : had, 9);
          }
          for (const key of ["a", "b", "c"]) {
            expect(limiter.tokens(key)).toBeGreaterThanOrEqual(0);
            expect(limiter.tokens(key)).toBeLessThanOrEqual(burst);
          }
        }
      }),
    );
  });
});

describe("one bucket (a socket's own budget)", () => {
  test("takes exactly as a limiter's key does, whatever the steps, and 0 means no limit", () => {
    const step = fc.oneof(fc.record({ advance: fc.integer({ min: -50, max: 5000 }) }), fc.constant({ take: true }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.double({ min: 0, max: 100, noNaN: true }), fc.array(step, { maxLength: 80 }), (burst, perSecond, steps) => {
        const clock = manualClock();
        const bucket = new TokenBucket({ burst, perSecond }, clock.now);
        const limiter = new RateLimiter({ burst, perSecond }, clock.now);
        for (const s of steps) {
          if ("advance" in s) clock.advance(s.advance);
          else expect(bucket.take()).toBe(limiter.take("socket"));
        }
      }),
    );
  });

  test("a burst, then one token per 1/rate", () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ burst: 3, perSecond: 10 }, clock.now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    clock.advance(99);
    expect(bucket.take()).toBe(false);
    clock.advance(1);
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
  });
});
