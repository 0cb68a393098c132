import type { Config } from "../config/schema.ts";
import { UsageError } from "../errors.ts";
import { type HardwareDriver, planCommand } from "../hardware/driver.ts";
import { sleep } from "../net/backoff.ts";
import type { StepSink } from "./execute.ts";
import type { SendResult } from "./viewer.ts";

/**
 * `send --local`: the same steps, straight to the robot's own hardware with no server. A plain press
 * runs its pulse and stops; "down" starts a held move, "up" stops it. The caller closes the driver.
 */
export function localSink(driver: HardwareDriver, config: Pick<Config, "hardware" | "commands">, signal?: AbortSignal): StepSink {
  return {
    async send(step, index) {
      if (step.kind !== "command") throw new UsageError(`${step.kind} needs a server: --local drives the hardware only`, "drop --local, or send commands only");
      const plan = planCommand(step.command, config);
      if (!plan) throw new UsageError("empty command", "give a command such as F");
      const sentAt = new Date();
      const started = performance.now();
      if (step.keyPosition === "up") await driver.stop();
      else await driver.apply(plan.action);
      const latency = Math.round((performance.now() - started) * 100) / 100;
      if (step.keyPosition === "" && plan.pulseMs > 0) {
        await sleep(plan.pulseMs, signal).catch(() => undefined);
        await driver.stop();
      }
      const result: SendResult = { step: index, kind: "command", command: step.command, key_position: step.keyPosition, sent_at: sentAt.toISOString(), ack: true, latency_ms: latency };
      return result;
    },
  };
}
