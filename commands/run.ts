import type { Action } from "./about.ts";
import { resolveConfig } from "../lib/config/load.ts";
import { socketUploader } from "../lib/media/upload.ts";
import { runProcess } from "../lib/process/run.ts";
import type { Connector } from "../lib/robot/connector.ts";
import { type RunDeps, type RunRequest, runSession } from "../lib/robot/session.ts";
import { configFlags } from "./args.ts";

/** The platform's protocol picks the connector; each loads only its own modules. */
async function connectorFor(request: RunRequest, deps: RunDeps): Promise<Connector> {
  if (request.config.platform.protocol === "remo") {
    const { remoConnector } = await import("../lib/remo/connector.ts");
    return remoConnector(request.config, deps);
  }
  const { letsrobotConnector } = await import("../lib/letsrobot/connector.ts");
  return letsrobotConnector(request.config, { ...deps, json: request.json, upload: socketUploader });
}

/** `letsrobot run` on the platform the config names. */
export async function runRobot(request: RunRequest, deps: RunDeps): Promise<void> {
  return runSession(request, deps, await connectorFor(request, deps));
}

export const runAction: Action<"run"> = async (args, deps) => {
  const { config } = resolveConfig({
    path: args.config,
    flags: { ...configFlags(args), "server.host": args.host, "server.port": args.port, "behaviour.status_port": args["status-port"] },
    env: deps.env,
    cwd: deps.cwd,
  });
  if (config.platform.server && (config.twitch.chat || config.twitch.extension)) {
    // Twitch chat commands and the extension panel are the platform's to serve, not the robot's
    deps.log.warn("[twitch] chat and extension are served by the platform (letsrobot serve, or run's own one when platform.server is empty): set them there; here they do nothing");
  }
  await runRobot({ config, json: args.json === true }, { ...deps, runProcess, crashSource: process });
};
