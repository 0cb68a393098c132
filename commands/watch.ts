import type { Action } from "./about.ts";
import { resolveConfig } from "../lib/config/load.ts";
import { ConfigError, UsageError } from "../lib/errors.ts";
import { connectSocket } from "../lib/net/socket-client.ts";
import { connectLegacySocket } from "../lib/net/socket-client-legacy.ts";
import { type WatchedEvent, watchRobot } from "../lib/send/watch.ts";
import { configFlags } from "./args.ts";

export const watchAction: Action<"watch"> = async (args, deps) => {
  const { config } = resolveConfig({ path: args.config, flags: configFlags(args), env: deps.env, cwd: deps.cwd });
  if (!config.platform.server || !config.platform.robot_id) throw new ConfigError("watch needs a server and a robot id", "pass --server with the viewer page `letsrobot run` or `letsrobot serve` printed (http://HOST:PORT/robot/ID), or --server URL --robot-id ID");
  const limit = args.count ? Number(args.count) : Number.POSITIVE_INFINITY;
  if (args.count && (!Number.isInteger(limit) || limit < 1)) throw new UsageError(`--count must be a whole number ≥ 1, got "${args.count}"`, "e.g. --count 10");
  let seen = 0;
  let done: () => void = () => {};
  const until = new Promise<void>((resolve) => {
    done = resolve;
    deps.shutdown.addEventListener("abort", () => resolve(), { once: true });
  });
  const print = (event: WatchedEvent) => {
    if (seen >= limit) return;
    seen += 1;
    deps.out.text(args.json ? JSON.stringify(event) : `${event.at} ${event.socket} ${event.event} ${JSON.stringify(event.data)}`);
    if (seen >= limit) done();
  };
  const connect = config.platform.socket_version === "2" ? connectLegacySocket : connectSocket;
  await watchRobot(config, { fetch: deps.fetch, log: deps.log, connect, signal: deps.shutdown }, print, until);
};
