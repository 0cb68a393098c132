import type { Config } from "../config/schema.ts";
import { type HardwareDriver, planCommand } from "../hardware/driver.ts";
import type { Logger } from "../log.ts";
import type { SocketFactory } from "../net/channel.ts";
import type { Endpoints } from "../platform/client.ts";
import type { RobotSettings } from "../platform/lookups.ts";
import type { SpeechQueue } from "../speech/queue.ts";
import type { Clock, TimerHandle } from "./clock.ts";
import type { RobotEvent, RobotStatus } from "./events.ts";
import { CommandExecutor } from "./executor.ts";
import { robotHealth } from "./health.ts";
import { type HandlerContext, onChat, onCommand, onExclusive, onMessageRemoved, onSettingsChanged, onUserModerated } from "./handlers.ts";
import { onCustomEvent } from "./clicks.ts";
import { RobotLink } from "./link.ts";
import { type MediaControl, videoStatusPayload } from "./media-control.ts";
import { newModeration } from "./moderation.ts";

export interface RobotOptions {
  config: Config;
  robotId: string;
  cameraId: string;
  endpoints: Endpoints;
  /** socket.io client for the server's protocol (2.x or 4.x adapter). */
  factory: SocketFactory;
}

export interface RobotDeps {
  log: Logger;
  clock: Clock;
  driver: HardwareDriver;
  media: MediaControl;
  speech?: SpeechQueue;
  /** Why there is no speech queue (no speaker, no engine, tts off): the reason chat events give. */
  speechOff?: string;
  /** Fresh lookups after repeated connection failures. */
  relookup: () => Promise<Endpoints>;
  fetchSettings: () => Promise<RobotSettings>;
  emit: (event: RobotEvent) => void;
}

export interface Robot {
  status(): RobotStatus;
  readonly executor: CommandExecutor;
  /** Motors stopped, sockets closed, timers cleared. Speech, media and the driver belong to the caller. */
  stop(): void;
}

const hostUrl = (target: { host: string; port: number }) => `http://${target.host.includes(":") ? `[${target.host}]` : target.host}:${target.port}`;

/** Connect the robot to its platform: control, chat and app sockets wired to the executor, speech and media. */
export function startRobot(options: RobotOptions, deps: RobotDeps): Robot {
  const { config, robotId, cameraId } = options;
  let endpoints = options.endpoints;
  const started = deps.clock.now();
  const executor = new CommandExecutor({
    driver: deps.driver,
    clock: deps.clock,
    deadmanMs: config.behaviour.deadman_ms,
    plan: (c) => planCommand(c, config),
    log: deps.log,
    onStop: (reason) => deps.emit({ type: "stop", reason }),
  });
  const ctx: HandlerContext = {
    config,
    robotId,
    roles: { owner: endpoints.owner, moderators: endpoints.moderators },
    moderation: newModeration(),
    executor,
    media: deps.media,
    speech: deps.speech,
    speechOff: deps.speechOff,
    clock: deps.clock,
    log: deps.log,
    emit: deps.emit,
    fetchSettings: deps.fetchSettings,
    settings: endpoints.settings,
  };

  let relooking: Promise<void> | undefined;
  const relookup = () =>
    (relooking ??= deps
      .relookup()
      .then((fresh) => {
        endpoints = fresh;
        ctx.roles = { owner: fresh.owner, moderators: fresh.moderators };
      })
      .finally(() => {
        relooking = undefined;
      }));

  const key = config.platform.robot_key;
  const auth = (role: string): Record<string, string> => (key ? { robot_key: key, role } : { role });
  const common = { factory: options.factory, clock: deps.clock, livenessMs: config.behaviour.liveness_s * 1000, relookup, log: deps.log };
  let controlWasUp = false;
  const onLink = (name: "control" | "chat" | "app") => (state: RobotStatus["links"][number]["state"], detail?: string) => {
    deps.emit({ type: "link", link: name, state, detail });
    // Lost control socket: stop at once. While it keeps failing to reconnect, only if something still moves.
    if (name === "control" && (state === "down" || state === "refused") && (controlWasUp || deps.driver.state().moving)) executor.halt("disconnect");
    if (name === "control") controlWasUp = state === "connected";
    if (name === "app" && state === "connected") reportStatus();
  };

  const control = new RobotLink({
    ...common,
    name: "control",
    url: () => hostUrl(endpoints.control),
    auth: auth("control"),
    identify: { event: "robot_id", data: robotId },
    handlers: { command_to_robot: (d) => onCommand(ctx, d), custom_event: (d) => onCustomEvent(ctx, d) },
    onState: onLink("control"),
  });
  const chat = new RobotLink({
    ...common,
    name: "chat",
    url: () => hostUrl(endpoints.chat),
    auth: auth("chat"),
    identify: { event: "identify_robot_id", data: robotId },
    handlers: {
      chat_message_with_name: (d) => onChat(ctx, d),
      message_removed: (d) => onMessageRemoved(ctx, d),
      user_blocked: (d) => onUserModerated(ctx, d, "blocked"),
      user_timeout: (d) => onUserModerated(ctx, d, "timeout"),
    },
    onState: onLink("chat"),
  });
  const app = new RobotLink({
    ...common,
    name: "app",
    url: () => hostUrl(endpoints.app),
    auth: auth("app"),
    identify: { event: "identify_robot_id", data: robotId },
    handlers: {
      command_to_robot: (d) => onCommand(ctx, d),
      exclusive_control: (d) => onExclusive(ctx, d),
      robot_settings_changed: () => void onSettingsChanged(ctx),
      message_removed: (d) => onMessageRemoved(ctx, d),
    },
    onState: onLink("app"),
  });
  const links = [control, chat, app];

  let lastCharging: boolean | undefined;
  function reportStatus(): void {
    const payload = videoStatusPayload(deps.media.status(), cameraId);
    if (app.emit("send_video_status", payload)) deps.emit({ type: "video_status", ...payload });
    const battery = deps.driver.state().battery;
    if (battery && app.emit("charge_state", { robot_id: robotId, charging: battery.charging })) lastCharging = battery.charging;
  }
  const timers: TimerHandle[] = [
    deps.clock.setInterval(reportStatus, config.behaviour.status_interval_s * 1000),
    // charge_state also goes out as soon as the charging state changes
    deps.clock.setInterval(() => {
      const battery = deps.driver.state().battery;
      if (battery && battery.charging !== lastCharging && app.emit("charge_state", { robot_id: robotId, charging: battery.charging })) lastCharging = battery.charging;
    }, 1000),
  ];

  for (const link of links) link.start();
  if (config.tts.boot_message) deps.speech?.enqueue({ id: "", user: "", text: config.tts.boot_message });

  return {
    executor,
    status: () => {
      const driver = deps.driver.state();
      const media = deps.media.status();
      const speech = deps.speech?.status();
      const linkStatus = links.map((l) => l.status());
      return {
        robot_id: robotId,
        ...robotHealth({ links: linkStatus, video: media.video }, { video: config.video.enabled }),
        links: linkStatus,
        driver: { name: driver.driver, moving: driver.moving, connected: driver.connected, pose: driver.pose },
        video: media.video,
        audio: media.audio,
        ...(media.twitch ? { twitch: media.twitch } : {}),
        last_command: ctx.last && { command: ctx.last.command, user: ctx.last.user, at: new Date(ctx.last.at).toISOString(), latency_ms: ctx.last.latencyMs },
        tts: speech && { waiting: speech.waiting, speaking: speech.speaking, spoken: speech.spoken, muted: speech.muted },
        moderation: { table: ctx.moderation.table, devmode: ctx.moderation.devmode, exclusive: ctx.moderation.exclusive ?? ctx.moderation.platformExclusive },
        uptime_s: Math.round((deps.clock.now() - started) / 1000),
      };
    },
    stop: () => {
      executor.halt("shutdown");
      for (const t of timers) deps.clock.clearInterval(t);
      for (const link of links.reverse()) link.close();
    },
  };
}
