import { describe, expect, test } from "bun:test";
import { defaults } from "../../lib/config/schema.ts";
import { merge } from "../../lib/config/validate.ts";
import type { Action, DriverState, HardwareDriver } from "../../lib/hardware/driver.ts";
import { createSimDriver } from "../../lib/hardware/drivers/sim.ts";
import { executeSteps } from "../../lib/send/execute.ts";
import { localSink } from "../../lib/send/local.ts";
import { parseScript } from "../../lib/send/steps.ts";
import { runCli } from "../helpers/cli.ts";

const config = merge(defaults(), { hardware: { drive_ms: 30, turn_ms: 20 } });

/** Records every call, in order, on top of the real simulated driver. */
function recording(): { driver: HardwareDriver; calls: string[] } {
  const sim = createSimDriver(config.hardware);
  const calls: string[] = [];
  const driver: HardwareDriver = {
    name: "recording-sim",
    open: () => sim.open(),
    apply: async (action: Action) => {
      calls.push(action.kind === "drive" ? `drive ${action.left},${action.right}` : action.kind);
      await sim.apply(action);
    },
    stop: async () => {
      calls.push("stop");
      await sim.stop();
    },
    state: (): DriverState => sim.state(),
    close: () => sim.close(),
  };
  return { driver, calls };
}

describe("send --local", () => {
  test("a press runs its pulse then stops; a hold stops on release; the sim robot moved forward", async () => {
    const { driver, calls } = recording();
    await driver.open();
    await executeSteps(parseScript("F\nhold L 20\nstop\n"), localSink(driver, config), () => {});
    expect(calls).toEqual(["drive 1,1", "stop", "drive -1,1", "stop", "stop"]);
    const pose = driver.state().pose;
    expect(pose?.x ?? 0).not.toBe(0);
    expect(driver.state().moving).toBe(false);
    await driver.close();
  });

  test("chat is refused locally", async () => {
    const { driver } = recording();
    await driver.open();
    await expect(executeSteps(parseScript("chat hi"), localSink(driver, config), () => {})).rejects.toThrow(/chat needs a server/);
    await driver.close();
  });

  test("compiled binary drives the simulated robot with no server", async () => {
    const { code, stdout } = await runCli(["send", "--local", "F", "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ command: "F", ack: true });
  });

  test("an unknown driver is a clear hardware error", async () => {
    const { code, stderr } = await runCli(["send", "--local", "F", "--driver", "lego"]);
    expect(code).toBe(10);
    expect(stderr).toContain("hardware.driver");
  });
});
