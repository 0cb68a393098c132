import type { Config } from "../config/schema.ts";
import { AuthError, NetworkError } from "../errors.ts";
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

const robotEvents = ["command_to_robot", "custom_event", "chat_message_with_name", "exclusive_control", "robot_settings_changed", "message_removed", "user_blocked", "user_timeout"] as const;

export interface WatchDeps {
  fetch: typeof fetch;
  log: Logger;
  connect: SocketFactory;
  signal: AbortSignal;
}

const KEY_HINT =
  "watch speaks as the robot, so it needs the robot's key: set platform.robot_key or LETSROBOT_PLATFORM_ROBOT_KEY (printed by `letsrobot serve robot add`; for the platform `letsrobot run` starts, robot_key in my-robot.json in its data dir)";

/** Say which robot this socket is; resolves with the server's refusal (`bad_key: wrong robot key`), or undefined when it accepts or never answers (old servers do not acknowledge). */
function identify(channel: SocketChannel, event: string, robotId: string, waitMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), waitMs);
    channel.emit(event, robotId, (reply) => {
      clearTimeout(timer);
      const answer = reply as { ok?: unknown; error?: unknown; message?: unknown } | undefined;
      resolve(answer?.ok === false ? `${String(answer.error ?? "refused")}: ${String(answer.message ?? "no reason given")}`.slice(0, 300) : undefined);
    });
  });
}

/**
 * Identify as the robot on its control, chat and app sockets and report every event until `stop` resolves.
 * A server that refuses the robot (no key, a wrong key) ends the watch with an AuthError instead of a silent wait.
 */
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
  let refuse: (error: AuthError) => void = () => {};
  const refused = new Promise<never>((_, reject) => {
    refuse = reject;
  });
  refused.catch(() => {}); // raced below
  const firstAnswers = new Map<string, Promise<void>>();
  try {
    for (const [name, target, event] of targets) {
      // each socket says what it is, so a server delivers each event to one of them (docs/serve.md)
      const channel = deps.connect({ url: `http://${target.host}:${target.port}`, auth: { ...key, role: name }, timeoutMs: platform.timeout_ms });
      channels.push(channel);
      channel.onState((state, detail) => {
        if (state === "connect") {
          const answer = identify(channel, event, platform.robot_id, Math.min(platform.timeout_ms, 1000)).then((refusal) => {
            if (refusal) refuse(new AuthError(`the server refused watch as robot ${platform.robot_id} (${name} socket): ${refusal}`, KEY_HINT));
          });
          if (!firstAnswers.has(name)) firstAnswers.set(name, answer);
        } else if (state === "disconnect") deps.log.warn(`${name} socket disconnected (${detail}); reconnecting`);
      });
      for (const event of robotEvents) channel.on(event, (data) => onEvent({ at: new Date().toISOString(), socket: name, event, data }));
      await waitConnected(channel, platform.timeout_ms).catch((error: Error) => {
        throw new NetworkError(`cannot connect the ${name} socket to ${target.host}:${target.port}: ${error.message}`, "is the server running?", { cause: error });
      });
    }
    await Promise.race([Promise.all(firstAnswers.values()), refused]);
    deps.log.success(`watching robot ${platform.robot_id}; Ctrl-C to stop`);
    await Promise.race([until, refused]);
  } finally {
    for (const channel of channels) channel.close();
  }
}
