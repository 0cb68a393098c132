import type { Action } from "./about.ts";
import { resolveConfig } from "../lib/config/load.ts";
import type { Deps } from "../lib/deps.ts";
import { UsageError } from "../lib/errors.ts";
import { isWildcard } from "../lib/server/http/reachable.ts";
import { defaultDataDir } from "../lib/config/data-dir.ts";
import { addRobot, clusterOf, lastServedUrl, listRobots, parsePortFlag, serve, setRobot } from "../lib/server/serve.ts";
import { runProcess } from "../lib/process/run.ts";
import { outputFile } from "./args.ts";
import { resolve } from "node:path";
import { tlsOf } from "../lib/server/tls/identity.ts";

/** Config with the server flags applied (flags > env > file > defaults), and the data dir resolved. */
function serverConfig(args: { config?: string; host?: string; port?: string; "data-dir"?: string }, deps: Deps) {
  const { config } = resolveConfig({
    path: args.config,
    flags: { "server.host": args.host, "server.port": args.port, "server.data_dir": args["data-dir"] },
    env: deps.env,
    cwd: deps.cwd,
  });
  const host = isWildcard(config.server.host) ? "127.0.0.1" : config.server.host;
  const dataDir = defaultDataDir(config.server, deps.env);
  // without --host/--port, viewer pages are printed on the URL the last `serve` of this data dir used
  const served = args.host === undefined && args.port === undefined ? lastServedUrl(dataDir) : undefined;
  return { server: config.server, twitch: config.twitch, dataDir, baseUrl: served ?? `http://${host}:${config.server.port}` };
}

export const robotAddAction: Action<"serve robot add"> = (args, deps) => {
  const { dataDir, baseUrl } = serverConfig(args, deps);
  addRobot({ dataDir, name: args.name, owner: args.owner || "owner", requireKey: args["require-key"], server: baseUrl, json: args.json === true, out: args.out === undefined ? undefined : outputFile(resolve(deps.cwd, args.out), "--out"), interactive: deps.interactive }, deps);
};

export const robotListAction: Action<"serve robot list"> = (args, deps) => {
  const { dataDir, baseUrl } = serverConfig(args, deps);
  listRobots({ dataDir, server: baseUrl, json: args.json === true }, deps);
};

export const robotSetAction: Action<"serve robot set"> = (args, deps) => {
  const { dataDir } = serverConfig(args, deps);
  const settings: Record<string, unknown> = {};
  for (const key of ["xres", "yres"] as const) {
    const value = args[key];
    if (value === undefined) continue;
    if (!/^\d+$/.test(value)) throw new UsageError(`--${key} must be a whole number of pixels, not ${JSON.stringify(value)}`, `e.g. --${key} ${key === "xres" ? 640 : 480}`);
    settings[key] = Number(value);
  }
  if (args.mic !== undefined) settings.mic_enabled = args.mic;
  if (args["anonymous-control"] !== undefined) settings.anonymous_control = args["anonymous-control"];
  if (args["video-click"] !== undefined) settings.video_click = args["video-click"];
  setRobot({ dataDir, name: args.name, requireKey: args["require-key"], settings }, deps);
};

export const serveAction: Action<"serve"> = async (args, deps) => {
  const { server, twitch, dataDir } = serverConfig(args, deps);
  const appPort = parsePortFlag(args["app-port"], "--app-port");
  const tls = await tlsOf(args.tls, server, dataDir, { run: runProcess, log: deps.log });
  await serve({ tls,  host: server.host || "127.0.0.1", port: server.port, dataDir, appPort, twitch, cluster: clusterOf(server), publicPort: server.public_port || undefined, viewersPerAddress: server.viewers_per_address }, deps);
};
