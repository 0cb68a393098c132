import type { Config } from "../config/schema.ts";
import type { SocketFactory } from "../net/channel.ts";
import type { Endpoints } from "../platform/client.ts";
import type { RobotSettings } from "../platform/lookups.ts";
import type { TimerHandle } from "../clock.ts";
import type { Connection } from "../robot/connector.ts";
import type { LinkState } from "../robot/link-status.ts";
import { type CoreDeps, connectedRobot, type Robot, type RobotCore, startCore } from "../robot/core.ts";
import { onChat, onCommand, onExclusive, onMessageRemoved, onSettingsChanged, onUserModerated } from "../robot/handlers.ts";
import { onCustomEvent } from "../robot/clicks.ts";
import { videoStatusPayload } from "../robot/media-control.ts";
import { RobotLink } from "./link.ts";

export interface RobotOptions {
  config: Config;
  robotId: string;
  cameraId: string;
  endpoints: Endpoints;
  /** socket.io client for the server's protocol (2.x or 4.x adapter). */
  factory: SocketFactory;
}

export type RobotDeps = CoreDeps & {
  /** Fresh lookups after repeated connection failures. */
  relookup: () => Promise<Endpoints>;
  fetchSettings: () => Promise<RobotSettings>;
};

const hostUrl = (target: { host: string; port: number }) => `http://${target.host.includes(":") ? `[${target.host}]` : target.host}:${target.port}`;

/** The robot on a LetsRobot platform: its core connected through the three sockets (tests and benchmarks use it alone). */
export function startRobot(options: RobotOptions, deps: RobotDeps): Robot {
  const { endpoints } = options;
  const core = startCore(
    { config: options.config, robotId: options.robotId, roles: { owner: endpoints.owner, moderators: endpoints.moderators }, settings: endpoints.settings, fetchSettings: deps.fetchSettings },
    deps,
  );
  return connectedRobot(core, connectLinks(options, core, deps.relookup));
}

/** Control, chat and app sockets wired to the robot's core: commands, chat, moderation, video status. */
export function connectLinks(options: RobotOptions, core: RobotCore, lookup: () => Promise<Endpoints>): Connection {
  const { config, robotId, cameraId } = options;
  const { ctx, deps } = core;
  let endpoints = options.endpoints;
  let relooking: Promise<void> | undefined;
  const relookup = () =>
    (relooking ??= lookup()
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
  const onLink = (name: "control" | "chat" | "app") => (state: LinkState, detail?: string) => {
    deps.emit({ type: "link", link: name, state, detail });
    if (name === "control") core.commandLink(state);
    if (name === "app" && state === "connected") reportStatus();
  };

  /** One of the three sockets: where it connects, how it identifies, what the server sends it. */
  const link = (name: "control" | "chat" | "app", identify: string, handlers: Record<string, (data: unknown) => void>) =>
    new RobotLink({ ...common, name, url: () => hostUrl(endpoints[name]), auth: auth(name), identify: { event: identify, data: robotId }, handlers, onState: onLink(name) });
  const control = link("control", "robot_id", { command_to_robot: (d) => onCommand(ctx, d), custom_event: (d) => onCustomEvent(ctx, d) });
  const chat = link("chat", "identify_robot_id", {
    chat_message_with_name: (d) => onChat(ctx, d),
    message_removed: (d) => onMessageRemoved(ctx, d),
    user_blocked: (d) => onUserModerated(ctx, d, "blocked"),
    user_timeout: (d) => onUserModerated(ctx, d, "timeout"),
  });
  const app = link("app", "identify_robot_id", {
    command_to_robot: (d) => onCommand(ctx, d),
    exclusive_control: (d) => onExclusive(ctx, d),
    robot_settings_changed: () => void onSettingsChanged(ctx),
    message_removed: (d) => onMessageRemoved(ctx, d),
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
  return {
    links: () => links.map((l) => l.status()),
    close: () => {
      for (const t of timers) deps.clock.clearInterval(t);
      for (const link of links.reverse()) link.close();
    },
  };
}
