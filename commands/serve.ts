import { defineCommand } from "citty";
import { about } from "./about.ts";
import { resolveConfig } from "../lib/config/load.ts";
import type { Deps } from "../lib/deps.ts";
import { UsageError } from "../lib/errors.ts";
import { isWildcard } from "../lib/server/http/reachable.ts";
import { defaultDataDir } from "../lib/config/data-dir.ts";
import { addRobot, clusterOf, lastServedUrl, listRobots, parsePortFlag, serve, setRobot } from "../lib/server/serve.ts";
import { runProcess } from "../lib/process/run.ts";
import { tlsOf } from "../lib/server/tls/identity.ts";
import { jsonArg } from "./args.ts";

const serverArgs = {
  config: { type: "string", description: "Config file (default: ./letsrobot.toml, then ~/.config/letsrobot/letsrobot.toml)", valueHint: "file" },
  "data-dir": { type: "string", description: "Where the platform keeps its database (default: server.data_dir, else ~/.local/share/letsrobot)", valueHint: "dir" },
} as const;

const listenArgs = {
  host: { type: "string", description: "Address to listen on (default: server.host, else 127.0.0.1; 0.0.0.0 = every IPv4 interface, :: = IPv4 and IPv6)", valueHint: "addr" },
  port: { type: "string", description: "Port for lookups, sockets, relay and viewer pages (default: server.port, 8080; 0 = any free port)", valueHint: "port" },
} as const;

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

function createRobotCommand(deps: Deps) {
  const add = defineCommand({
    meta: { name: "add", description: "Create a robot (or give an existing one new keys) and print its ids and keys, shown only this once" },
    args: {
      name: { type: "positional", required: true, description: "Robot name (letters, digits, _ . -)", valueHint: "name" },
      owner: { type: "string", description: "Owner's user name (default: owner)", valueHint: "name" },
      "require-key": { type: "boolean", description: "Refuse robot sockets that do not present the robot key (on for new robots; --no-require-key lets old key-less clients in)" },
      ...serverArgs,
      ...listenArgs,
      ...jsonArg,
    },
    run({ args }) {
      const { dataDir, baseUrl } = serverConfig(args, deps);
      addRobot({ dataDir, name: args.name, owner: args.owner || "owner", requireKey: args["require-key"], server: baseUrl, json: args.json === true }, deps);
    },
  });
  const list = defineCommand({
    meta: { name: "list", description: "List the robots in the data dir (no keys)" },
    args: { ...serverArgs, ...listenArgs, ...jsonArg },
    run({ args }) {
      const { dataDir, baseUrl } = serverConfig(args, deps);
      listRobots({ dataDir, server: baseUrl, json: args.json === true }, deps);
    },
  });
  const set = defineCommand({
    meta: { name: "set", description: "Change a robot's settings: key requirement, resolution, mic, anonymous driving" },
    args: {
      name: { type: "positional", required: true, description: "Robot name", valueHint: "name" },
      "require-key": { type: "boolean", description: "Refuse robot sockets without the robot key (--no-require-key allows old clients)" },
      xres: { type: "string", description: "Video width the robot should stream", valueHint: "px" },
      yres: { type: "string", description: "Video height the robot should stream", valueHint: "px" },
      mic: { type: "boolean", description: "Stream the microphone (--no-mic turns it off)" },
      "anonymous-control": { type: "boolean", description: "Let anonymous viewers drive (--no-anonymous-control)" },
      "video-click": { type: "boolean", description: "The viewer page sends a click on the video to the robot (custom_event mousedown:X:Y); --no-video-click" },
      ...serverArgs,
    },
    run({ args }) {
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
    },
  });
  return defineCommand({ meta: { name: "robot", description: "Manage the robots of the local platform" }, subCommands: { add, list, set } });
}

export function createServeCommand(deps: Deps) {
  return defineCommand({
    meta: about.serve,
    args: {
      ...listenArgs,
      ...serverArgs,
      "app-port": { type: "string", description: "Also accept app (video status) sockets on this port, as old clients expect (e.g. 8022)", valueHint: "port" },
      tls: { type: "string", description: "self-signed: make (once, in the data dir) and use a certificate for this machine's names and LAN addresses; the port then speaks HTTPS/WSS and plain HTTP (own certificate: server.tls_cert, server.tls_key)", valueHint: "self-signed" },
    },
    subCommands: { robot: createRobotCommand(deps) },
    async run({ args }) {
      const { server, twitch, dataDir } = serverConfig(args, deps);
      const appPort = parsePortFlag(args["app-port"], "--app-port");
      const tls = await tlsOf(args.tls, server, dataDir, { run: runProcess, log: deps.log });
      await serve({ tls,  host: server.host || "127.0.0.1", port: server.port, dataDir, appPort, twitch, cluster: clusterOf(server), publicPort: server.public_port || undefined, viewersPerAddress: server.viewers_per_address }, deps);
    },
  });
}
