import { describe, expect, test } from "bun:test";
import { defaults } from "../../lib/config/schema.ts";
import { createSimDriver, integratePose } from "../../lib/hardware/drivers/sim.ts";
import type { HardwareDriver } from "../../lib/hardware/driver.ts";
import { planCommand } from "../../lib/hardware/driver.ts";
import { openDriver } from "../../lib/hardware/registry.ts";
import { HardwareError } from "../../lib/errors.ts";
import { createLogger } from "../../lib/log.ts";
import { hardware, runConformance } from "./conformance.ts";

let current: HardwareDriver | undefined;
runConformance("sim", async () => ({
  driver: (overrides) => {
    current = createSimDriver(hardware(overrides));
    return current;
  },
  observe: async () => {
    const s = current?.state();
    return { left: s?.left ?? 0, right: s?.right ?? 0, pan: s?.pan, tilt: s?.tilt, led: s?.led, outputs: s?.outputs };
  },
  features: { servo: true, led: true, speed: false, outputs: true },
  dispose: async () => {},
}));

function clock() {
  let t = 1000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("sim driver pose", () => {
  test("forward for one second moves 0.3 m along the heading", async () => {
    const c = clock();
    const sim = createSimDriver(defaults().hardware, { now: c.now });
    await sim.open();
    await sim.apply({ kind: "drive", left: 1, right: 1 });
    c.advance(1000);
    const pose = sim.state().pose!;
    expect(pose.x).toBeCloseTo(0.3, 6);
    expect(pose.y).toBeCloseTo(0, 6);
    await sim.apply({ kind: "stop" });
    c.advance(5000);
    expect(sim.state().pose!.x).toBeCloseTo(0.3, 6);
  });

  test("a left turn in place turns counter-clockwise without moving", async () => {
    const c = clock();
    const sim = createSimDriver(defaults().hardware, { now: c.now });
    await sim.open();
    await sim.apply({ kind: "drive", left: -1, right: 1 });
    c.advance(250);
    const { x, y, heading } = sim.state().pose!;
    expect(heading).toBeCloseTo((0.6 / 0.15) * 0.25, 6);
    expect(Math.hypot(x, y)).toBeLessThan(1e-9);
    await sim.close();
    c.advance(1000);
    expect(sim.state().pose!.heading).toBeCloseTo(1, 6);
  });

  const arcs: [string, number, number, number][] = [
    ["straight", 0.3, 0.3, 2],
    ["gentle arc", 0.2, 0.3, 1.5],
    ["spin", -0.3, 0.3, 0.5],
  ];
  for (const [name, l, r, s] of arcs) {
    test(`integrating in two halves equals one step: ${name}`, () => {
      const start = { x: 0.1, y: -0.2, heading: 0.3 };
      const once = integratePose(start, l, r, s);
      const twice = integratePose(integratePose(start, l, r, s / 2), l, r, s / 2);
      expect(twice.x).toBeCloseTo(once.x, 9);
      expect(twice.y).toBeCloseTo(once.y, 9);
      expect(twice.heading).toBeCloseTo(once.heading, 9);
    });
  }

  test("raw commands are recorded, not errors", async () => {
    const sim = createSimDriver(defaults().hardware);
    await sim.open();
    await sim.apply(planCommand("DANCE", defaults())!.action);
    expect(sim.raw).toEqual(["DANCE"]);
  });
});

describe("registry", () => {
  const log = createLogger("silent");
  test("openDriver picks sim and none by config", async () => {
    for (const name of ["sim", "none"] as const) {
      const config = defaults();
      (config.hardware as { driver: string }).driver = name;
      const driver = await openDriver(config, { log });
      expect(driver.name).toBe(name);
      expect(driver.state().connected).toBe(true);
      await driver.close();
    }
  });

  test("an unknown driver is a HardwareError naming it, with the choices as hint", async () => {
    const config = defaults();
    (config.hardware as { driver: string }).driver = "lego";
    const error = await openDriver(config, { log }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HardwareError);
    expect((error as HardwareError).message).toContain('"lego"');
    expect((error as HardwareError).hint).toContain("firmata");
  });
});
