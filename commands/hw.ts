import { realpathSync } from "node:fs";
import type { Action } from "./about.ts";
import { resolveConfig } from "../lib/config/load.ts";
import { type Deps, systemRoots } from "../lib/deps.ts";
import { UsageError } from "../lib/errors.ts";
import { driveOnce } from "../lib/hardware/drive-once.ts";
import { portUsers } from "../lib/hardware/port-users.ts";
import { isArduinoLike, listSerialPorts } from "../lib/hardware/ports.ts";
import { withPreset } from "../lib/hardware/presets.ts";
import { openDriver } from "../lib/hardware/registry.ts";
import { runSelfTest, selfTestPlan } from "../lib/hardware/self-test.ts";
import { formatTable } from "../lib/output.ts";

function hardwareConfig(args: { config?: string; driver?: string; port?: string; baud?: string }, deps: Deps) {
  const flags = { "hardware.driver": args.driver, "hardware.port": args.port, "hardware.baud": args.baud };
  return resolveConfig({ path: args.config, flags, env: deps.env, cwd: deps.cwd }).config;
}

export const hwListAction: Action<"hw list"> = (args, deps) => {
  const roots = systemRoots(deps.env);
  const ports = listSerialPorts(roots.sys, roots.dev);
  const usedBy = (path: string) => {
    try {
      return portUsers(realpathSync(path)).map((u) => `${u.command} (${u.pid})`).join(", ");
    } catch {
      return ""; // the device node is not there (a sysfs entry without /dev node)
    }
  };
  if (args.json) return deps.out.json({ ports: ports.map((p) => ({ ...p, arduinoLike: isArduinoLike(p), usedBy: usedBy(p.path) || undefined })) });
  if (ports.length === 0) {
    deps.out.text("no serial ports found");
    deps.log.info("hint: plug the Arduino in by USB (a charge-only cable shows nothing)");
    return;
  }
  const rows = ports.map((p) => [[p.path, ...(p.links ?? [])].join(" = "), p.vendorId ? `usb:${p.vendorId}:${p.productId}` : "-", p.manufacturer ?? "-", p.product ?? "-", p.serial ?? "-", isArduinoLike(p) ? "yes" : "", usedBy(p.path)]);
  deps.out.text(formatTable(["port", "id", "maker", "product", "serial", "arduino-like", "in use by"], rows));
};

export const hwDriveAction: Action<"hw drive"> = async (args, deps) => {
  const config = hardwareConfig(args, deps);
  const result = await driveOnce(args.command, config, deps);
  if (args.json) return deps.out.json(result);
  const { action } = result.plan;
  const what =
    action.kind === "drive"
      ? `drive left ${action.left} right ${action.right}`
      : action.kind === "servo"
        ? `${action.servo} ${action.centre ? "to the centre" : `${(action.step ?? 0) > 0 ? "+" : ""}${action.step ?? 0}°`}`
        : action.kind === "led"
          ? `LED ${action.on ? "on" : "off"}`
          : action.kind === "raw"
            ? `raw "${action.command}"`
            : action.kind;
  deps.out.text(`${args.command}: ${what} for ${result.heldMs} ms on ${config.hardware.driver}, then stop`);
};

export const hwTestAction: Action<"hw test"> = async (args, deps) => {
  const config = hardwareConfig(args, deps);
  if (!args.yes) {
    if (!deps.interactive) throw new UsageError("hw test moves the motors and there is no terminal to ask", "lift the wheels off the ground and pass --yes");
    const ok = await deps.log.prompt(`Test the ${config.hardware.driver} body? The wheels will turn: lift them off the ground.`, { type: "confirm", cancel: "null" });
    if (ok !== true) {
      deps.log.info("self-test cancelled; nothing moved");
      return;
    }
  }
  const steps = selfTestPlan(withPreset(config.hardware));
  const driver = await openDriver(config, { log: deps.log });
  try {
    const { completed } = await runSelfTest(driver, steps, { signal: deps.shutdown, onStep: (step, i) => deps.log.info(`${i + 1}/${steps.length} ${step.say}`) });
    deps.out.text(completed === steps.length ? `self-test done: ${completed} steps` : `self-test stopped after ${completed} of ${steps.length} steps`);
  } finally {
    await driver.close();
  }
};
