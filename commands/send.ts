import { readFileSync } from "node:fs";
import type { Action } from "./about.ts";
import { resolveConfig } from "../lib/config/load.ts";
import { ConfigError, UsageError } from "../lib/errors.ts";
import { connectSocket } from "../lib/net/socket-client.ts";
import { connectLegacySocket } from "../lib/net/socket-client-legacy.ts";
import { describeResult, executeSteps } from "../lib/send/execute.ts";
import { parseScript, type Step, stepsFromFlags } from "../lib/send/steps.ts";
import { localSink } from "../lib/send/local.ts";
import { openViewer, type SendResult } from "../lib/send/viewer.ts";
import { configFlags } from "./args.ts";

function readScript(path: string, cwd: string): string {
  if (path === "-") return readFileSync(0, "utf8");
  try {
    return readFileSync(path.startsWith("/") ? path : `${cwd}/${path}`, "utf8");
  } catch {
    throw new UsageError(`cannot read script ${path}`, "check the path; use - to read steps from standard input");
  }
}

export const sendAction: Action<"send"> = async (args, deps) => {
  const flags = { ...configFlags(args), "hardware.driver": args.driver, "hardware.port": args.port };
  const { config } = resolveConfig({ path: args.config, flags, env: deps.env, cwd: deps.cwd });
  if (args.script && (args.command || args.chat !== undefined || args.click !== undefined)) throw new UsageError("give --script or a command/--chat/--click, not both", "put everything in the script");
  const steps: Step[] = args.script
    ? parseScript(readScript(args.script, deps.cwd), args.script === "-" ? "stdin" : args.script)
    : stepsFromFlags({ command: args.command, chat: args.chat, click: args.click, hold: args.hold, repeat: args.repeat, interval: args.interval });
  const ackTimeoutMs = args.timeout ? Number(args.timeout) : 3000;
  if (!Number.isInteger(ackTimeoutMs) || ackTimeoutMs < 1 || ackTimeoutMs > 120_000) throw new UsageError(`--timeout must be 1 to 120000 ms, got "${args.timeout}"`, "e.g. --timeout 5000");
  const report = (result: SendResult) => deps.out.text(args.json ? JSON.stringify(result) : describeResult(result));
  if (args.local) {
    const { openDriver } = await import("../lib/hardware/registry.ts");
    const driver = await openDriver(config, { log: deps.log });
    try {
      await executeSteps(steps, localSink(driver, config, deps.shutdown), report, deps.shutdown);
    } finally {
      await driver.close();
    }
    return;
  }
  if (!config.platform.server) throw new ConfigError("no platform server configured", "pass --server with the viewer page `letsrobot run` or `letsrobot serve` printed (http://HOST:PORT/robot/ID: it names the robot too), or set platform.server");
  if (!config.platform.robot_id) throw new ConfigError("no robot id configured", "pass --robot-id, or set platform.robot_id");
  if (args["as-owner"] && !config.platform.owner_token) throw new ConfigError("--as-owner needs the owner token", "set platform.owner_token in letsrobot.toml or LETSROBOT_PLATFORM_OWNER_TOKEN");
  const session = await openViewer(
    config,
    { user: args.user, ownerToken: args["as-owner"] ? config.platform.owner_token : undefined, ackTimeoutMs },
    { fetch: deps.fetch, log: deps.log, connect: { v4: connectSocket, v2: connectLegacySocket }, signal: deps.shutdown },
  );
  try {
    await executeSteps(steps, session, report, deps.shutdown);
  } finally {
    session.close();
  }
};
