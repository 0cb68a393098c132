import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Action } from "./about.ts";
import { resolveConfig } from "../lib/config/load.ts";
import { ConfigError, UsageError } from "../lib/errors.ts";
import { enableInstructions, systemdUnit } from "../lib/robot/service-unit.ts";

/** How this letsrobot was started: the compiled binary, or bun running cli/main.ts. */
function selfCommand(): string[] {
  const script = process.argv[1] ?? "";
  return /\.[cm]?[jt]s$/.test(script) && existsSync(script) ? [process.execPath, resolve(script)] : [process.execPath];
}

export const serviceInstallAction: Action<"service install"> = (args, deps) => {
  const watchdogSec = Number(args.watchdog);
  if (!Number.isInteger(watchdogSec) || watchdogSec < 5 || watchdogSec > 3600) {
    throw new UsageError(`--watchdog must be a whole number of seconds from 5 to 3600, got ${JSON.stringify(args.watchdog)}`, "e.g. --watchdog 30");
  }
  const { path: configPath } = resolveConfig({ path: args.config, env: deps.env, cwd: deps.cwd });
  const scope = process.getuid?.() === 0 && !args.user ? "system" : "user";
  const user = deps.env.SUDO_USER ?? userInfo().username;
  const unit = systemdUnit({
    command: selfCommand(),
    configPath,
    workingDirectory: configPath ? dirname(configPath) : deps.cwd,
    user: scope === "system" && user !== "root" && user !== "unknown" ? user : undefined,
    scope,
    watchdogSec,
  });
  if (args.print) {
    deps.out.text(unit);
    return;
  }
  if (!configPath) deps.log.warn("no config file found: the service will run the embedded local platform (create one with `letsrobot init`)");
  const home = deps.env.HOME ?? homedir();
  const path = scope === "system" ? "/etc/systemd/system/letsrobot.service" : join(deps.env.XDG_CONFIG_HOME || join(home, ".config"), "systemd", "user", "letsrobot.service");
  const unchanged = existsSync(path) && readFileSync(path, "utf8") === unit;
  try {
    mkdirSync(dirname(path), { recursive: true });
    if (!unchanged) writeFileSync(path, unit, { mode: 0o644 });
  } catch (error) {
    throw new ConfigError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, scope === "system" ? "run it with sudo, or pass --user for a user unit" : "check the permissions of that directory", { cause: error });
  }
  for (const line of enableInstructions(scope, path, user)) deps.out.text(unchanged && line.startsWith("wrote") ? `${path} is already up to date` : line);
};
