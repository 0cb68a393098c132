import type { Config } from "../config/schema.ts";
import { NetworkError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { type SocketChannel, type SocketFactory, waitConnected } from "../net/channel.ts";
import { resolveSockets } from "../platform/client.ts";
import type { HostPort } from "../net/channel.ts";

/** What a robot receives, seen from the robot's side: for `letsrobot watch`. */
export interface WatchedEvent {
  at: string;
  socket: "control" | "chat" | "app";
  event: string;
  data: unknown;
}

export const robotEvents = ["command_to_robot", "custom_event", "chat_message_with_name", "exclusive_control", "robot_settings_changed", "message_removed", "user_blocked", "user_timeout"] as const;

export interface WatchDeps {
  fetch: typeof fetch;
  log: Logger;
  connect: SocketFactory;
  signal: AbortSignal;
}

/** Identify as the robot on its control, chat and app sockets and report every event until `stop` resolves. */
export async function watchRobot(config: Config, deps: WatchDeps, onEvent: (event: WatchedEvent) => void, until: Promise<void>): Promise<void> {
  const platform = config.platform;
  const endpoints = await resolveSockets(platform, { fetch: deps.fetch, log: deps.log, signal: deps.signal });
  const key: Record<string, string> = platform.robot_key ? { robot_key: platform.robot_key } : {};
  const targets: [WatchedEvent["socket"], HostPort, string][] = [
    ["control", endpoints.control, "robot_id"],
    ["chat", endpoints.chat, "identify_robot_id"],
    ["app", endpoints.app, "identify_robot_id"],
  ];
  const channels: SocketChannel[] = [];
  try {
    for (const [name, target, identify] of targets) {
      // each socket says what it is, so a server delivers each event to one of them (docs/serve.md)
      const channel = deps.connect({ url: `http://${target.host}:${target.port}`, auth: { ...key, role: name }, timeoutMs: platform.timeout_ms });
      channels.push(channel);
      channel.onState((state, detail) => {
        if (state === "connect") channel.emit(identify, platform.robot_id);
        else if (state === "disconnect") deps.log.warn(`${name} socket disconnected (${detail}); reconnecting`);
      });
      for (const event of robotEvents) channel.on(event, (data) => onEvent({ at: new Date().toISOString(), socket: name, event, data }));
      await waitConnected(channel, platform.timeout_ms).catch((error: Error) => {
        throw new NetworkError(`cannot connect the ${name} socket to ${target.host}:${target.port}: ${error.message}`, "is the server running?", { cause: error });
      });
    }
    deps.log.success(`watching robot ${platform.robot_id}; Ctrl-C to stop`);
    await until;
  } finally {
    for (const channel of channels) channel.close();
  }
}
