import { describe, expect, test } from "bun:test";
import { defaults } from "../../lib/config/schema.ts";
import { driveOnce } from "../../lib/hardware/drive-once.ts";
import { createSimDriver } from "../../lib/hardware/drivers/sim.ts";
import { runSelfTest, selfTestPlan, TEST_SPEED } from "../../lib/hardware/self-test.ts";
import { UsageError } from "../../lib/errors.ts";
import { createLogger } from "../../lib/log.ts";
import { hardware } from "./conformance.ts";

describe("self-test plan", () => {
  test("each motor each way at low speed, a stop after every move, servo sweeps to both limits, LED blinks", () => {
    const steps = selfTestPlan(hardware({ pan_min: 20, pan_max: 160 }));
    const drives = steps.filter((s) => s.action.kind === "drive").map((s) => s.action);
    expect(drives).toEqual([
      { kind: "drive", left: TEST_SPEED, right: 0 },
      { kind: "drive", left: -TEST_SPEED, right: 0 },
      { kind: "drive", left: 0, right: TEST_SPEED },
      { kind: "drive", left: 0, right: -TEST_SPEED },
    ]);
    steps.forEach((s, i) => {
      if (s.action.kind === "drive") expect(steps[i + 1]?.action).toEqual({ kind: "stop" });
    });
    expect(steps.filter((s) => s.action.kind === "led")).toHaveLength(6);
    expect(steps.map((s) => s.say)).toContain("pan to 20°");
    expect(steps.map((s) => s.say)).toContain("pan to 160°");
  });

  test("parts that are not connected are left out", () => {
    const steps = selfTestPlan(hardware({ pan_pin: -1, tilt_pin: -1, led_pin: -1 }));
    expect(steps.every((s) => s.action.kind === "drive" || s.action.kind === "stop")).toBe(true);
  });

  test("running it on the sim visits both pan limits and ends stopped and centred", async () => {
    const hw = hardware();
    const sim = createSimDriver(hw);
    await sim.open();
    const pans: number[] = [];
    const { completed } = await runSelfTest(sim, selfTestPlan(hw, { moveMs: 0, pauseMs: 0 }), { onStep: () => pans.push(sim.state().pan!) });
    expect(completed).toBe(selfTestPlan(hw).length);
    expect(pans).toContain(hw.pan_min);
    expect(pans).toContain(hw.pan_max);
    expect(sim.state()).toMatchObject({ moving: false, pan: 90, led: false });
  });

  test("an abort mid-move ends early with the motors stopped", async () => {
    const sim = createSimDriver(hardware());
    await sim.open();
    const abort = new AbortController();
    const done = runSelfTest(sim, selfTestPlan(hardware(), { moveMs: 10000 }), { signal: abort.signal });
    await Bun.sleep(20);
    expect(sim.state().moving).toBe(true);
    abort.abort();
    expect((await done).completed).toBeLessThan(3);
    expect(sim.state().moving).toBe(false);
  });
});

describe("driveOnce", () => {
  const deps = { log: createLogger("silent"), shutdown: new AbortController().signal };
  test("applies the planned pulse, then stops and closes", async () => {
    const config = defaults();
    (config.hardware as { drive_ms: number }).drive_ms = 30;
    const result = await driveOnce("F", config, deps);
    expect(result.plan).toEqual({ action: { kind: "drive", left: 1, right: 1 }, pulseMs: 30 });
    expect(result.during).toMatchObject({ moving: true, left: 1, right: 1 });
    expect(result.after).toMatchObject({ moving: false, left: 0, right: 0 });
    expect(result.heldMs).toBeGreaterThanOrEqual(25);
  });

  test("an empty command is a usage error with examples", async () => {
    const error = await driveOnce("  ", defaults(), deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).hint).toContain("hw drive F");
  });
});
