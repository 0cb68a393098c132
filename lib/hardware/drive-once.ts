import type { Config } from "../config/schema.ts";
import type { Deps } from "../deps.ts";
import { UsageError } from "../errors.ts";
import { type CommandPlan, type DriverState, planCommand } from "./driver.ts";
import { openDriver } from "./registry.ts";
import { pause } from "./self-test.ts";

export interface DriveOnceResult {
  command: string;
  plan: CommandPlan;
  /** How long the action was held before the stop (ms). */
  heldMs: number;
  /** The driver's state while the action was applied, and after the stop. */
  during: DriverState;
  after: DriverState;
}

/** Actions with no pulse length (servo, LED) are still given a moment before the stop and close. */
const SETTLE_MS = 100;

/**
 * `hw drive F`: one command through planCommand straight to the configured driver (no server), held for
 * its pulse, then stop and close. Ctrl-C ends the pulse early; the motors are stopped on every path.
 */
export async function driveOnce(command: string, config: Config, deps: Pick<Deps, "log" | "shutdown">): Promise<DriveOnceResult> {
  const plan = planCommand(command, config);
  if (!plan) throw new UsageError("no command given", "e.g. `letsrobot hw drive F` (F B L R U D stop LED_ON LED_OFF or a [commands] name)");
  const driver = await openDriver(config, { log: deps.log });
  try {
    const started = performance.now();
    await driver.apply(plan.action);
    const during = driver.state();
    await pause(plan.pulseMs || SETTLE_MS, deps.shutdown);
    const heldMs = Math.round(performance.now() - started);
    await driver.stop();
    return { command, plan, heldMs, during, after: driver.state() };
  } finally {
    await driver.close();
  }
}
