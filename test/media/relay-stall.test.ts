import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { FfmpegPlan } from "../../lib/media/plan.ts";
import { newRunner, relayStall } from "../../lib/media/runner.ts";

/** The relay stall rule, fed the deliveries a poll of /proc/net/tcp would see, every 250 ms. */
const STALL_MS = 2500;
const URL_ = "http://127.0.0.1:8080/key/640/480/";
const runner = () => newRunner({ kind: "video" } as FfmpegPlan);

describe("relay stall rule", () => {
  test("a relay that acknowledges within a tenth of the stall window is never a stall, shut window or not (a healthy slow link)", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ gapPolls: fc.integer({ min: 0, max: 1 }), shut: fc.boolean(), queued: fc.integer({ min: 0, max: 1e6 }) }), { minLength: 1, maxLength: 200 }), (polls) => {
        const r = runner();
        let acked = 0;
        let now = 0;
        for (const p of polls) {
          // gapPolls polls without progress (at most one: 250 ms), then one with progress
          for (let k = 0; k < p.gapPolls; k++) {
            now += 250;
            expect(relayStall(r, { written: acked + p.queued, acked, queued: p.queued, windowShut: p.shut }, now, STALL_MS, URL_)).toBeUndefined();
          }
          now += 250;
          acked += 1000;
          expect(relayStall(r, { written: acked + p.queued, acked, queued: p.queued, windowShut: p.shut }, now, STALL_MS, URL_)).toBeUndefined();
        }
      }),
    );
  });

  test("nothing acknowledged: a stall after the stall window, or after a tenth of it once the window is shut", () => {
    for (const [shut, firstAt] of [
      [false, 2750],
      [true, 500],
    ] as const) {
      const r = runner();
      expect(relayStall(r, { written: 5000, acked: 1000, queued: 4000 }, 0, STALL_MS, URL_)).toBeUndefined();
      let now = 0;
      let reason: string | undefined;
      while (!reason && now < 10_000) {
        now += 250;
        reason = relayStall(r, { written: 5000, acked: 1000, queued: 4000, windowShut: shut }, now, STALL_MS, URL_);
      }
      expect({ shut, now }).toEqual({ shut, now: firstAt });
      expect(reason).toContain(shut ? "its receive window is shut" : "network down or relay frozen");
    }
  });

  test("nothing waiting (queued 0) is never a stall, however long it is quiet", () => {
    const r = runner();
    for (let now = 0; now < 20_000; now += 250) expect(relayStall(r, { written: 10, acked: 10, queued: 0, windowShut: true }, now, STALL_MS, URL_)).toBeUndefined();
  });
});
