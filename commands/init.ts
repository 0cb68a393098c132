import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Action } from "./about.ts";
import { CONFIG_NAME } from "../lib/config/load.ts";
import { configTemplate } from "../lib/config/template.ts";
import { ConfigError } from "../lib/errors.ts";

export const initAction: Action<"init"> = (args, deps) => {
  const path = resolve(deps.cwd, args.path || CONFIG_NAME);
  if (existsSync(path) && !args.force) {
    throw new ConfigError(`${path} already exists`, "pass --force to overwrite it, or give another path");
  }
  const platform: Record<string, unknown> = {};
  if (args.server) platform.server = args.server;
  if (args["robot-id"]) platform.robot_id = args["robot-id"];
  if (args["camera-id"]) platform.camera_id = args["camera-id"];
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, configTemplate({ platform }), { mode: 0o600 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(`cannot write ${path} (${code})`, "give a path in a folder you can write to, e.g. letsrobot init ./letsrobot.toml", { cause: error });
  }
  deps.log.success(`wrote ${path}`);
  deps.out.text(path);
};
