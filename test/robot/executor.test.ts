import { describe, expect, test } from "bun:test";
import { defaults } from "../../lib/config/schema.ts";
import { merge } from "../../lib/config/validate.ts";
import { planCommand } from "../../lib/hardware/driver.ts";
import { CommandExecutor, type StopReason } from "../../lib/robot/executor.ts";
import type { KeyPosition } from "../../lib/robot/payload.ts";
import { FakeClock, RecordingDriver } from "./fakes.ts";

const config = merge(defaults(), { commands: { map: { FWD: "forward" } } });

function setup(deadmanMs = 500, lateMs = 0) {
  const clock = new FakeClock(lateMs);
  const driver = new RecordingDriver(clock);
  const reasons: StopReason[] = [];
  const executor = new CommandExecutor({ driver, clock, deadmanMs, plan: (c) => planCommand(c, config), onStop: (r) => reasons.push(r) });
  return { clock, driver, executor, reasons };
}

describe("command executor", () => {
  test("a pulse drives for drive_ms, then stops", async () => {
    const { clock, driver, executor, reasons } = setup();
    executor.handle("F");
    await executor.idle();
    expect(driver.moving).toBe(true);
    clock.advance(499);
    expect(driver.moving).toBe(true);
    clock.advance(1);
    expect(driver.moving).toBe(false);
    expect(reasons).toEqual(["pulse-end"]);
  });

  test("turn pulses use turn_ms; lower-case Remo commands and config aliases work", async () => {
    const { clock, driver, executor } = setup();
    executor.handle("l");
    await executor.idle();
    clock.advance(400);
    expect(driver.moving).toBe(false);
    executor.handle("FWD");
    await executor.idle();
    expect(driver.calls.at(-1)?.action).toEqual({ kind: "drive", left: 1, right: 1 });
  });

  test("hold-to-drive: refreshes keep it moving, release stops at once", async () => {
    const { clock, driver, executor, reasons } = setup();
    executor.handle("F", "down");
    await executor.idle();
    for (let i = 0; i < 10; i++) {
      clock.advance(400);
      executor.handle("F", "down");
    }
    expect(driver.moving).toBe(true);
    expect(driver.calls.filter((c) => c.call === "apply")).toHaveLength(1);
    executor.handle("F", "up");
    expect(driver.moving).toBe(false);
    expect(reasons).toEqual(["release"]);
  });

  test("dead-man: timers that fire late still stop the motors by deadman_ms after the last refresh", async () => {
    for (const late of [1, 20, 60]) {
      const { clock, driver, executor, reasons } = setup(500, late);
      executor.handle("B", "down");
      await executor.idle();
      clock.advance(300);
      executor.handle("B", "down");
      clock.advance(500);
      expect({ late, moving: driver.moving, reasons }).toEqual({ late, moving: false, reasons: ["deadman"] });
      const stoppedAfter = (driver.calls.at(-1)?.at ?? Number.NaN) - 300;
      expect(stoppedAfter).toBeLessThanOrEqual(500);
      expect(stoppedAfter).toBeGreaterThanOrEqual(500 - 125); // armed early by the lateness, at most a quarter
    }
  });

  test("the real clock measures how late its timers fire", async () => {
    const { realClock } = await import("../../lib/clock.ts");
    const fired = new Promise<void>((resolve) => realClock.setTimeout(resolve, 5));
    const until = performance.now() + 40;
    while (performance.now() < until) {
      // the event loop is busy past the timer's due time
    }
    await fired;
    expect(realClock.lateness?.()).toBeGreaterThanOrEqual(30);
  });

  test("dead-man: a held move without refresh stops deadman_ms after the last refresh", async () => {
    const { clock, driver, executor, reasons } = setup(500);
    executor.handle("B", "down");
    await executor.idle();
    clock.advance(300);
    executor.handle("B", "down");
    clock.advance(499);
    expect(driver.moving).toBe(true);
    clock.advance(1);
    expect(driver.moving).toBe(false);
    expect(driver.calls.at(-1)).toEqual({ at: 800, call: "stop" });
    expect(reasons).toEqual(["deadman"]);
  });

  test("a new command pre-empts the running one and its timer", async () => {
    const { clock, driver, executor } = setup();
    executor.handle("F");
    clock.advance(300);
    executor.handle("L");
    await executor.idle();
    clock.advance(300); // F's pulse would have ended at 500
    expect(driver.moving).toBe(true);
    clock.advance(100);
    expect(driver.moving).toBe(false);
  });

  test("queued motions are skipped when a stop overtakes them; the stop is never dropped", async () => {
    const { driver, executor } = setup();
    executor.handle("F");
    executor.handle("R");
    executor.handle("stop");
    await executor.idle();
    expect(driver.calls.map((c) => c.call)).toEqual(["stop"]);
    expect(driver.moving).toBe(false);
  });

  test("servo and LED commands run beside a motion without cancelling its stop", async () => {
    const { clock, driver, executor } = setup();
    executor.handle("F", "down");
    executor.handle("U");
    executor.handle("LED_ON");
    await executor.idle();
    expect(driver.moving).toBe(true);
    clock.advance(500);
    expect(driver.moving).toBe(false);
  });

  test("a held servo button acts once per press however often the holder refreshes it", async () => {
    const { clock, driver, executor } = setup(500);
    const servoMoves = () => driver.calls.filter((c) => c.call === "apply" && c.action?.kind === "servo").length;
    executor.handle("U", "down");
    for (let i = 0; i < 20; i++) {
      clock.advance(150);
      executor.handle("U", "down");
    }
    await executor.idle();
    expect(servoMoves()).toBe(1);
    executor.handle("U", "up");
    executor.handle("U", "down");
    await executor.idle();
    expect(servoMoves()).toBe(2);
    clock.advance(501); // a down after the dead-man is a new press
    executor.handle("U", "down");
    await executor.idle();
    expect(servoMoves()).toBe(3);
  });

  test("halt resolves once the driver has taken the stop", async () => {
    const { driver, executor } = setup();
    executor.handle("F", "down");
    await executor.idle();
    await executor.halt("emergency");
    expect(driver.calls.at(-1)?.call).toBe("stop");
    expect(driver.moving).toBe(false);
  });

  test("halt from disconnect, shutdown and crash paths stops and can repeat", async () => {
    const { driver, executor, reasons } = setup();
    executor.handle("F", "down");
    await executor.idle();
    executor.halt("disconnect");
    executor.halt("shutdown");
    executor.halt("crash");
    expect(driver.moving).toBe(false);
    expect(reasons).toEqual(["disconnect", "shutdown", "crash"]);
  });

  test("a driver whose stop throws synchronously does not break the executor", () => {
    const clock = new FakeClock();
    const executor = new CommandExecutor({
      driver: { apply: async () => {}, stop: () => { throw new Error("port closed"); } },
      clock, deadmanMs: 500, plan: (c) => planCommand(c, config),
    });
    expect(() => executor.halt("shutdown")).not.toThrow();
  });

  test("empty commands are ignored", () => {
    const { driver, executor } = setup();
    expect(executor.handle("  ")).toBeUndefined();
    expect(driver.calls).toHaveLength(0);
  });
});

/** Small seeded PRNG so a failing sequence can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Step = { dt: number; kind: "cmd"; command: string; key: KeyPosition } | { dt: number; kind: "halt"; reason: StopReason };

describe("property: no lost stop (R4) and dead-man bound (R1)", () => {
  test("10,000 randomised command/release sequences", async () => {
    const words = ["F", "B", "L", "R", "f", "b", "stop", "STOP", "U", "D", "LED_ON", "FWD", "beep"];
    const keys: KeyPosition[] = ["", "down", "down", "up"];
    const bound = Math.max(config.hardware.drive_ms, config.hardware.turn_ms, 500);
    let stopsExpected = 0;
    for (let seed = 1; seed <= 10_000; seed++) {
      const random = mulberry32(seed);
      const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
      const { clock, driver, executor } = setup(500);
      const steps: Step[] = Array.from({ length: 1 + Math.floor(random() * 25) }, () =>
        random() < 0.08
          ? { dt: Math.floor(random() * 700), kind: "halt", reason: pick(["disconnect", "shutdown", "crash"] as const) }
          : { dt: Math.floor(random() * 700), kind: "cmd", command: pick(words), key: pick(keys) },
      );
      let lastMotionAt = Number.NEGATIVE_INFINITY;
      for (const step of steps) {
        clock.advance(step.dt);
        // R1: nothing keeps moving longer than the bound after the last motion command or refresh.
        if (clock.now() - lastMotionAt >= bound && driver.moving) throw new Error(`seed ${seed}: still moving ${clock.now() - lastMotionAt} ms after last motion`);
        const before = driver.calls.length;
        if (step.kind === "halt") {
          executor.halt(step.reason);
          stopsExpected += 1;
        } else {
          const plan = executor.handle(step.command, step.key);
          const isStop = plan?.action.kind === "stop" || (step.key === "up" && plan?.action.kind === "drive");
          if (plan?.action.kind === "drive" && step.key !== "up") lastMotionAt = clock.now();
          if (isStop) {
            stopsExpected += 1;
            // R4: the stop reached the driver synchronously, before anything else could happen.
            const call = driver.calls[before];
            if (call?.call !== "stop" || call.at !== clock.now()) throw new Error(`seed ${seed}: ${step.command}/${step.key} did not stop at once`);
            if (driver.moving) throw new Error(`seed ${seed}: moving right after a stop`);
          }
        }
        await executor.idle();
        if (step.kind === "halt" && driver.moving) throw new Error(`seed ${seed}: moving after halt(${step.reason})`);
      }
      clock.advance(bound);
      await executor.idle();
      if (driver.moving) throw new Error(`seed ${seed}: still moving at the end`);
      if (clock.pending() !== 0) throw new Error(`seed ${seed}: timers left behind`);
    }
    expect(stopsExpected).toBeGreaterThan(10_000);
  });
});
