import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { defaults } from "../../lib/config/schema.ts";
import type { HardwareDriver } from "../../lib/hardware/driver.ts";
import type { Hardware } from "../../lib/hardware/kinematics.ts";
import { HardwareError } from "../../lib/errors.ts";

/** What the robot's body is doing, seen from outside the driver (emulated pins, a fake board, or state()). */
export interface BodyView {
  /** Side speed -1..1: sign from the direction, size from the PWM duty / 255. */
  left: number;
  right: number;
  pan?: number;
  tilt?: number;
  led?: boolean;
  /** Named outputs (hardware.outputs) and whether each is on. */
  outputs?: Record<string, boolean>;
}

export interface ConformanceTarget {
  /** A fresh, unopened driver attached to the same body, with these hardware settings over the defaults. */
  driver(overrides?: Partial<Hardware>): HardwareDriver;
  /** The body as it is now. */
  observe(): Promise<BodyView>;
  /** What this body can show: a classic serial sketch has no observable servo angle, for instance. */
  features: { servo: boolean; led: boolean; speed: boolean; outputs: boolean };
  dispose(): Promise<void>;
}

export function hardware(overrides: Partial<Hardware> = {}): Hardware {
  return { ...defaults().hardware, ...overrides };
}

/** Poll the body until `check` passes (bounded): emulated boards act a few milliseconds after the write. */
async function eventually(target: Pick<ConformanceTarget, "observe">, check: (view: BodyView) => void, timeoutMs = 4000): Promise<BodyView> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const view = await target.observe();
    try {
      check(view);
      return view;
    } catch (error) {
      if (performance.now() > deadline) throw error;
    }
    await Bun.sleep(5);
  }
}

const near = (actual: number, expected: number, tolerance = 0.01) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance);

/** The behaviour every HardwareDriver must show, run against any body. */
export function runConformance(name: string, setup: () => Promise<ConformanceTarget>, timeoutMs = 15000): void {
  describe(`driver conformance: ${name}`, () => {
    let target: ConformanceTarget;
    const opened: HardwareDriver[] = [];
    const open = async (overrides?: Partial<Hardware>) => {
      const driver = target.driver(overrides);
      opened.push(driver);
      await driver.open();
      return driver;
    };
    beforeAll(async () => {
      target = await setup();
    }, 60000);
    afterAll(async () => {
      for (const driver of opened) await driver.close().catch(() => {});
      await target?.dispose();
    });

    test("forward drives both sides forward at full duty, stop action zeroes them", async () => {
      const driver = await open();
      try {
        await driver.apply({ kind: "drive", left: 1, right: 1 });
        await eventually(target, (v) => {
          near(v.left, 1);
          near(v.right, 1);
        });
        expect(driver.state()).toMatchObject({ moving: true, connected: true });
        await driver.apply({ kind: "stop" });
        await eventually(target, (v) => expect([v.left, v.right]).toEqual([0, 0]));
        expect(driver.state().moving).toBe(false);
      } finally {
        await driver.close();
      }
    }, timeoutMs);

    test("a left turn drives the sides in opposite directions, and back reverses both", async () => {
      const driver = await open();
      try {
        await driver.apply({ kind: "drive", left: -1, right: 1 });
        await eventually(target, (v) => {
          expect(v.left).toBeLessThan(0);
          expect(v.right).toBeGreaterThan(0);
        });
        await driver.apply({ kind: "drive", left: -1, right: -1 });
        await eventually(target, (v) => {
          expect(v.left).toBeLessThan(0);
          expect(v.right).toBeLessThan(0);
        });
      } finally {
        await driver.close();
      }
    }, timeoutMs);

    test("stop() zeroes the motors, is idempotent, and is safe before open", async () => {
      const idle = target.driver();
      opened.push(idle);
      await idle.stop();
      await idle.close();
      const driver = await open();
      try {
        await driver.apply({ kind: "drive", left: 1, right: -1 });
        await eventually(target, (v) => expect(v.left).toBeGreaterThan(0));
        await driver.stop();
        await driver.stop();
        await eventually(target, (v) => expect([v.left, v.right]).toEqual([0, 0]));
        expect(driver.state()).toMatchObject({ moving: false, left: 0, right: 0 });
      } finally {
        await driver.close();
      }
    }, timeoutMs);

    test("close stops the motors; apply after close fails with a HardwareError and a hint", async () => {
      const driver = await open();
      await driver.apply({ kind: "drive", left: 1, right: 1 });
      await eventually(target, (v) => expect(v.left).toBeGreaterThan(0));
      await driver.close();
      await eventually(target, (v) => expect([v.left, v.right]).toEqual([0, 0]));
      await driver.close(); // closing twice is harmless
      await driver.stop(); // and stop after close never throws
      const error = await driver.apply({ kind: "drive", left: 1, right: 1 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(HardwareError);
      expect((error as HardwareError).message).toContain("closed");
      expect((error as HardwareError).hint).toBeTruthy();
      expect(driver.state().connected).toBe(false);
    }, timeoutMs);

    test("speed and trim scale each side's duty", async () => {
      if (!target.features.speed) return expect(target.features.speed).toBe(false);
      const driver = await open({ speed: 200, trim_left: 0.5, trim_right: 1 });
      try {
        await driver.apply({ kind: "drive", left: 1, right: 1 });
        await eventually(target, (v) => {
          near(v.left, (0.5 * 200) / 255, 0.01);
          near(v.right, 200 / 255, 0.01);
        });
      } finally {
        await driver.close();
      }
    }, timeoutMs);

    test("pan steps from the centre, stays within its limits, and re-centres", async () => {
      if (!target.features.servo) return expect(target.features.servo).toBe(false);
      const hw = hardware({ pan_min: 20, pan_max: 160, servo_step: 15 });
      const driver = await open(hw);
      try {
        await driver.apply({ kind: "servo", servo: "pan", centre: true });
        await eventually(target, (v) => near(v.pan ?? -1, 90, 1.5));
        await driver.apply({ kind: "servo", servo: "pan", step: 15 });
        await eventually(target, (v) => near(v.pan ?? -1, 105, 1.5));
        expect(driver.state().pan).toBe(105);
        await driver.apply({ kind: "servo", servo: "pan", step: 500 });
        await eventually(target, (v) => near(v.pan ?? -1, 160, 1.5));
        await driver.apply({ kind: "servo", servo: "pan", step: -500 });
        await eventually(target, (v) => near(v.pan ?? -1, 20, 1.5));
        await driver.apply({ kind: "servo", servo: "tilt", step: 10 });
        expect(driver.state().tilt).toBe(100);
        await driver.apply({ kind: "servo", servo: "pan", centre: true });
        await eventually(target, (v) => near(v.pan ?? -1, 90, 1.5));
      } finally {
        await driver.close();
      }
    }, timeoutMs);

    test("a configured centre is where the servo centres", async () => {
      if (!target.features.servo) return expect(target.features.servo).toBe(false);
      const driver = await open({ pan_min: 20, pan_max: 160, pan_centre: 60 });
      try {
        expect(driver.state().pan).toBe(60);
        await driver.apply({ kind: "servo", servo: "pan", step: 10 });
        await driver.apply({ kind: "servo", servo: "pan", centre: true });
        await eventually(target, (v) => near(v.pan ?? -1, 60, 1.5));
      } finally {
        await driver.close();
      }
    }, timeoutMs);

    test("named outputs switch with NAME_ON / NAME_OFF in any case; other raw commands are harmless", async () => {
      if (!target.features.outputs) return expect(target.features.outputs).toBe(false);
      const driver = await open({ outputs: { headlight: "8", horn: "12" } });
      try {
        expect(driver.state().outputs).toEqual({ headlight: false, horn: false });
        await driver.apply({ kind: "raw", command: "HEADLIGHT_ON" });
        await eventually(target, (v) => expect([v.outputs?.headlight, v.outputs?.horn ?? false]).toEqual([true, false]));
        expect(driver.state().outputs).toEqual({ headlight: true, horn: false });
        await driver.apply({ kind: "raw", command: "headlight_off" });
        await eventually(target, (v) => expect(v.outputs?.headlight).toBe(false));
        await driver.apply({ kind: "raw", command: "DANCE" });
        expect(driver.state().moving).toBe(false);
      } finally {
        await driver.close();
      }
    }, timeoutMs);

    test("the LED turns on and off", async () => {
      if (!target.features.led) return expect(target.features.led).toBe(false);
      const driver = await open();
      try {
        await driver.apply({ kind: "led", on: true });
        await eventually(target, (v) => expect(v.led).toBe(true));
        expect(driver.state().led).toBe(true);
        await driver.apply({ kind: "led", on: false });
        await eventually(target, (v) => expect(v.led).toBe(false));
      } finally {
        await driver.close();
      }
    }, timeoutMs);
  });
}
