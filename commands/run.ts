import { defineCommand } from "citty";
import { about } from "./about.ts";
import { resolveConfig } from "../lib/config/load.ts";
import type { Deps } from "../lib/deps.ts";
import { runProcess } from "../lib/process/run.ts";
import type { Connector } from "../lib/robot/connector.ts";
import { type RunDeps, type RunRequest, runSession } from "../lib/robot/session.ts";
import { configArgs, configFlags } from "./args.ts";

/** The platform's protocol picks the connector; each loads only its own modules. */
async function connectorFor(request: RunRequest, deps: RunDeps): Promise<Connector> {
  if (request.config.platform.protocol === "remo") {
    const { remoConnector } = await import("../lib/remo/connector.ts");
    return remoConnector(request.config, deps);
  }
  const { letsrobotConnector } = await import("../lib/letsrobot/connector.ts");
  return letsrobotConnector(request.config, { ...deps, json: request.json });
}

/** `letsrobot run` on the platform the config names. */
export async function runRobot(request: RunRequest, deps: RunDeps): Promise<void> {
  return runSession(request, deps, await connectorFor(request, deps));
}

export function createRunCommand(deps: Deps) {
  return defineCommand({
    meta: about.run,
    args: {
      ...configArgs,
      json: { type: "boolean", description: "Event log on stdout, one JSON object per line (sockets, commands, chat, stops)" },
      host: { type: "string", description: "Address the local platform listens on (server.host; default :: = every interface, so phones on the network can drive; 127.0.0.1 = this machine only)", valueHint: "addr" },
      port: { type: "string", description: "Port of the local platform when none is configured (server.port; 0 = any free port)", valueHint: "port" },
      "status-port": { type: "string", description: "Serve live status JSON on http://127.0.0.1:PORT/status (behaviour.status_port)", valueHint: "port" },
    },
    async run({ args }) {
      const { config } = resolveConfig({
        path: args.config,
        flags: { ...configFlags(args), "server.host": args.host, "server.port": args.port, "behaviour.status_port": args["status-port"] },
        env: deps.env,
        cwd: deps.cwd,
      });
      await runRobot({ config, json: args.json === true }, { ...deps, runProcess, crashSource: process });
    },
  });
}
