import type { Config } from "../config/schema.ts";
import { type HardwareDriver, planCommand } from "../hardware/driver.ts";
import type { Logger } from "../log.ts";
import type { Clock } from "../robot/clock.ts";
import type { RobotEvent } from "../robot/events.ts";
import { CommandExecutor } from "../robot/executor.ts";
import { robotHealth } from "../robot/health.ts";
import { type HandlerContext, hearChat, obeyCommand } from "../robot/handlers.ts";
import type { MediaControl } from "../robot/media-control.ts";
import { newModeration } from "../robot/moderation.ts";
import type { Robot } from "../robot/robot.ts";
import type { SpeechQueue } from "../speech/queue.ts";
import type { RemoEndpoints } from "./endpoints.ts";
import { type RemoJoined, RemoLink, type RemoLinkOptions } from "./link.ts";
import type { RemoChat } from "./protocol.ts";
import type { FrameSocketFactory } from "./socket.ts";

export interface RemoRobotOptions {
  config: Config;
  endpoints: RemoEndpoints;
  factory: FrameSocketFactory;
  /** `GET /api/dev/channels/list/{host}`. */
  lookupChannels: RemoLinkOptions["lookupChannels"];
}

export interface RemoRobotDeps {
  log: Logger;
  clock: Clock;
  driver: HardwareDriver;
  media: MediaControl;
  speech?: SpeechQueue;
  /** Why there is no speech queue (no speaker, no engine, tts off): the reason chat events give. */
  speechOff?: string;
  emit: (event: RobotEvent) => void;
  /** After every join (the first one starts the streams and says the robot is online). */
  onJoined?: (joined: RemoJoined) => void;
}

export interface RemoRobot extends Robot {
  /** The server, robot id and channel once joined. */
  where(): RemoJoined | undefined;
}

/**
 * The robot on a Remo server: the same executor, moderation, chat commands and speech as on LetsRobot
 * (lib/robot/handlers.ts), fed by one Remo socket instead of three socket.io ones. Replies to chat
 * commands are said back in the channel's chat (`ROBOT_MESSAGE_SENT`).
 */
export function startRemoRobot(options: RemoRobotOptions, deps: RemoRobotDeps): RemoRobot {
  const { config } = options;
  const started = deps.clock.now();
  const executor = new CommandExecutor({
    driver: deps.driver,
    clock: deps.clock,
    deadmanMs: config.behaviour.deadman_ms,
    plan: (c) => planCommand(c, config),
    log: deps.log,
    onStop: (reason) => deps.emit({ type: "stop", reason }),
  });
  let link: RemoLink | undefined;
  const emit = (event: RobotEvent) => {
    deps.emit(event);
    if (event.type === "chat_command") link?.say(event.reply);
  };
  const settings = { xres: config.video.width, yres: config.video.height, micEnabled: config.audio.enabled, raw: {} };
  const ctx: HandlerContext = {
    config,
    robotId: config.platform.robot_id,
    roles: { owner: config.platform.owner, moderators: [] },
    moderation: newModeration(),
    executor,
    media: deps.media,
    speech: deps.speech,
    speechOff: deps.speechOff,
    clock: deps.clock,
    log: deps.log,
    emit,
    // Remo has no settings lookup: the robot's own config is the reference
    fetchSettings: async () => settings,
    settings,
  };

  /** The server vouches for its badges: an owner or moderator badge gives the sender that role here. */
  const learnRoles = (message: RemoChat) => {
    if (!message.user || message.anonymous) return;
    if (message.badges.includes("owner") && !config.platform.owner) ctx.roles = { ...ctx.roles, owner: message.user };
    const known = ctx.roles.moderators.some((m) => m.toLowerCase() === message.user.toLowerCase());
    if (message.badges.includes("moderator") && !known) ctx.roles = { ...ctx.roles, moderators: [...ctx.roles.moderators, message.user] };
  };

  let wasUp = false;
  link = new RemoLink({
    url: options.endpoints.socket,
    token: config.platform.robot_key,
    channelName: config.platform.channel,
    lookupChannels: options.lookupChannels,
    factory: options.factory,
    clock: deps.clock,
    connectTimeoutMs: config.platform.timeout_ms * 2,
    livenessMs: config.behaviour.liveness_s * 1000,
    log: deps.log,
    onState: (state, detail) => {
      deps.emit({ type: "link", link: "remo", state, detail });
      if (state === "down" && (wasUp || deps.driver.state().moving)) executor.halt("disconnect");
      wasUp = state === "connected";
    },
    onJoined: (joined) => {
      ctx.robotId = joined.id;
      deps.onJoined?.(joined);
    },
    onCommand: (command) => obeyCommand(ctx, command),
    onChat: (message) => {
      learnRoles(message);
      hearChat(ctx, message);
    },
  });
  link.start();
  if (config.tts.boot_message) deps.speech?.enqueue({ id: "", user: "", text: config.tts.boot_message });

  return {
    executor,
    where: () => link?.where,
    status: () => {
      const driver = deps.driver.state();
      const media = deps.media.status();
      const speech = deps.speech?.status();
      const links = [link?.status() ?? { name: "remo" as const, state: "closed" as const, connects: 0, failures: 0, acks: false }];
      return {
        robot_id: ctx.robotId,
        ...robotHealth({ links, video: media.video }, { video: config.video.enabled }),
        links,
        driver: { name: driver.driver, moving: driver.moving, connected: driver.connected, pose: driver.pose },
        video: media.video,
        audio: media.audio,
        last_command: ctx.last && { command: ctx.last.command, user: ctx.last.user, at: new Date(ctx.last.at).toISOString(), latency_ms: ctx.last.latencyMs },
        tts: speech && { waiting: speech.waiting, speaking: speech.speaking, spoken: speech.spoken, muted: speech.muted },
        moderation: { table: ctx.moderation.table, devmode: ctx.moderation.devmode, exclusive: ctx.moderation.exclusive ?? ctx.moderation.platformExclusive },
        uptime_s: Math.round((deps.clock.now() - started) / 1000),
      };
    },
    stop: () => {
      executor.halt("shutdown");
      link?.close();
    },
  };
}
