import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../log.ts";
import { type ChatTuning, startTwitchChat, type TwitchChat } from "../twitch/chat.ts";
import type { TwitchCommand } from "../twitch/commands.ts";
import { createExtensionBackend, type ExtensionBackend } from "../twitch/extension-http.ts";
import { chatPlan, type TwitchConfig } from "../twitch/plan.ts";
import type { Lease } from "./cluster/cluster.ts";
import type { Hub } from "./sockets/hub.ts";
import type { RobotRecord } from "./store/robot-record.ts";

/**
 * Twitch on the local platform: chat commands (`[twitch] chat = true`) and the extension backend
 * (`[twitch] extension = true`) both become viewer-style `command_to_robot` events on the robot's control
 * room, from user `twitch:{name}`. The robot is `twitch.robot_id`, or the only robot on the server.
 */
export interface ServeTwitch {
  /** Take an HTTP request for the extension backend; false when it is not one (or the backend is off). */
  http(req: IncomingMessage, res: ServerResponse): boolean;
  chat(): TwitchChat | undefined;
  close(): Promise<void>;
}

export interface ServeTwitchOptions {
  config: TwitchConfig;
  hub: Hub;
  log: Logger;
  /** Chat connection tuning (tests shorten the backoff); serve never waits for the first join. */
  chatTuning?: Partial<ChatTuning>;
  /** With several serve processes: chat is read only by the process holding this lease (one reader, no duplicates). */
  chatLease?: Lease;
}

class TwitchRobotError extends Error {}

/** The robot Twitch drives: twitch.robot_id, or the only robot (an error names what to configure). */
export function twitchRobot(config: TwitchConfig, robots: RobotRecord[]): RobotRecord {
  const wanted = config.robot_id.trim();
  if (wanted) {
    const robot = robots.find((r) => r.id === wanted);
    if (!robot) throw new TwitchRobotError(`twitch.robot_id ${wanted} is not a robot on this server`);
    return robot;
  }
  const [only, ...more] = robots;
  if (!only) throw new TwitchRobotError("no robot on this server yet");
  if (more.length > 0) throw new TwitchRobotError(`this server has ${robots.length} robots: set twitch.robot_id to the one Twitch drives`);
  return only;
}

/** Send a Twitch command to the robot exactly as a viewer's command goes; throws when the robot is offline. */
function forwardTwitchCommand(hub: Hub, config: TwitchConfig, command: TwitchCommand): void {
  const robot = twitchRobot(config, hub.store.robots());
  const sent = hub.toControl(robot.id, "command_to_robot", {
    robot_id: robot.id,
    command: command.command,
    key_position: command.keyPosition,
    user: `twitch:${command.user}`,
    anonymous: false,
  });
  if (!sent) throw new TwitchRobotError(`${robot.name} is not connected`);
}

/** Start what `[twitch]` turns on. Config errors (ConfigError) throw here, before anything connects. */
export async function startServeTwitch(options: ServeTwitchOptions): Promise<ServeTwitch> {
  const { config, hub } = options;
  const log = options.log.withTag("twitch");
  const onCommand = (command: TwitchCommand) => forwardTwitchCommand(hub, config, command);
  let backend: ExtensionBackend | undefined;
  if (config.extension) {
    backend = createExtensionBackend(config, { log: options.log, onCommand });
    log.info(`Twitch extension backend on ${backend.path}`);
  }
  // a bad [twitch] chat section fails here, on every process, not only on the one that wins the lease
  if (config.chat) chatPlan(config);
  let chat: TwitchChat | undefined;
  const startChat = () => startTwitchChat(config, { log: options.log, onCommand }, { ...options.chatTuning, startTimeoutMs: 0 });
  const lease = options.chatLease;
  let renew: ReturnType<typeof setInterval> | undefined;
  let turn: Promise<void> = Promise.resolve();
  let closing = false;
  /** Take or renew the lease; start reading chat on winning it, stop on losing it. */
  const hold = () => {
    turn = turn.then(async () => {
      if (!lease || closing) return;
      const mine = await lease.take();
      if (closing) return;
      if (mine && !chat) {
        log.info("this process holds the Twitch chat lease: it reads the chat");
        chat = await startChat();
      } else if (!mine && chat) {
        log.warn("lost the Twitch chat lease to another process: stop reading the chat here");
        await chat.close();
        chat = undefined;
      }
    });
    const current = turn;
    turn = turn.catch((error: unknown) => log.error(`Twitch chat: ${error instanceof Error ? error.message : String(error)}`));
    return current;
  };
  if (config.chat && !lease) chat = await startChat();
  if (config.chat && lease) {
    await hold();
    // a failure is logged by hold(); the renewal goes on
    renew = setInterval(() => hold().catch(() => undefined), lease.renewMs);
  }
  const robots = hub.store.robots();
  try {
    twitchRobot(config, robots);
  } catch (error) {
    // no robot yet is only the start (serve says to add one; run's own platform adds its robot next): the
    // commands find it once it exists. A robot_id that names none, or several robots to choose from, is a mistake.
    if (config.chat || config.extension) (robots.length === 0 ? log.debug : log.warn)(`Twitch commands have no robot yet: ${(error as Error).message}`);
  }
  return {
    http: (req, res) => backend?.node(req, res) ?? false,
    chat: () => chat,
    close: async () => {
      closing = true;
      clearInterval(renew);
      await turn;
      await chat?.close();
      if (chat && lease) await lease.release();
    },
  };
}
