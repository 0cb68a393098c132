import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { defineCommand } from "citty";
import { about } from "./about.ts";
import { CONFIG_NAME } from "../lib/config/load.ts";
import { configTemplate } from "../lib/config/template.ts";
import type { Deps } from "../lib/deps.ts";
import { ConfigError } from "../lib/errors.ts";

export function createInitCommand(deps: Deps) {
  return defineCommand({
    meta: about.init,
    args: {
      path: { type: "positional", required: false, description: `Where to write it (default ./${CONFIG_NAME})`, valueHint: "file" },
      server: { type: "string", description: "Info server URL to put in the file", valueHint: "url" },
      "robot-id": { type: "string", description: "Robot id to put in the file", valueHint: "id" },
      "camera-id": { type: "string", description: "Camera id to put in the file", valueHint: "id" },
      force: { type: "boolean", description: "Overwrite an existing file" },
    },
    run({ args }) {
      const path = resolve(deps.cwd, args.path || CONFIG_NAME);
      if (existsSync(path) && !args.force) {
        throw new ConfigError(`${path} already exists`, "pass --force to overwrite it, or give another path");
      }
      const platform: Record<string, unknown> = {};
      if (args.server) platform.server = args.server;
      if (args["robot-id"]) platform.robot_id = args["robot-id"];
      if (args["camera-id"]) platform.camera_id = args["camera-id"];
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, configTemplate({ platform }), { mode: 0o600 });
      deps.log.success(`wrote ${path}`);
      deps.out.text(path);
    },
  });
}
