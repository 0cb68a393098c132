import type { Config } from "../config/schema.ts";
import { type HardwareDriver, planCommand } from "../hardware/driver.ts";
import type { Logger } from "../log.ts";
import type { RobotSettings } from "../platform/lookups.ts";
import type { SpeechQueue } from "../speech/queue.ts";
import type { Clock } from "../clock.ts";
import type { LinkState, LinkStatus } from "./link-status.ts";
import type { RobotEvent, RobotStatus } from "./events.ts";
import { CommandExecutor } from "./executor.ts";
import type { HandlerContext } from "./handlers.ts";
import { robotHealth } from "./health.ts";
import type { MediaControl } from "./media-control.ts";
import { newModeration, type Roles } from "./moderation.ts";

export interface CoreDeps {
  log: Logger;
  clock: Clock;
  driver: HardwareDriver;
  media: MediaControl;
  speech?: SpeechQueue;
  /** Why there is no speech queue (no speaker, no engine, tts off): the reason chat events give. */
  speechOff?: string;
  emit: (event: RobotEvent) => void;
}

export interface CoreOptions {
  config: Config;
  robotId: string;
  roles: Roles;
  settings: RobotSettings;
  fetchSettings: () => Promise<RobotSettings>;
}

/** The protocol-neutral robot: executor (with its dead-man), moderation, chat commands and speech. */
export interface RobotCore {
  readonly config: Config;
  readonly executor: CommandExecutor;
  /** What the event handlers share; connectors feed commands and chat into it. */
  readonly ctx: HandlerContext;
  readonly deps: CoreDeps;
  status(links: LinkStatus[]): RobotStatus;
  /**
   * The link that carries commands changed state (each connector reports its own): lost or refused, the
   * motors stop at once; while it keeps failing to come back, only if something still moves.
   */
  commandLink(state: LinkState): void;
}

/** A connected robot: what `run`, the status endpoint and the tests see. */
export interface Robot {
  status(): RobotStatus;
  readonly executor: CommandExecutor;
  /** Motors stopped, sockets closed, timers cleared. Speech, media and the driver belong to the caller. */
  stop(): void;
}

export function startCore(options: CoreOptions, deps: CoreDeps): RobotCore {
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
  const ctx: HandlerContext = {
    config,
    robotId: options.robotId,
    roles: options.roles,
    moderation: newModeration(),
    executor,
    media: deps.media,
    speech: deps.speech,
    speechOff: deps.speechOff,
    clock: deps.clock,
    log: deps.log,
    emit: deps.emit,
    fetchSettings: options.fetchSettings,
    settings: options.settings,
  };
  if (config.tts.boot_message) deps.speech?.enqueue({ id: "", user: "", text: config.tts.boot_message });
  let commandLinkUp = false;
  return {
    config,
    executor,
    ctx,
    deps,
    commandLink(state) {
      if ((state === "down" || state === "refused") && (commandLinkUp || deps.driver.state().moving)) executor.halt("disconnect");
      commandLinkUp = state === "connected";
    },
    status: (links) => {
      const driver = deps.driver.state();
      const media = deps.media.status();
      const speech = deps.speech?.status();
      return {
        robot_id: ctx.robotId,
        ...robotHealth({ links, video: media.video }, { video: config.video.enabled }),
        links,
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
  };
}

/** The core with its connection: status over the connection's links; stop halts the motors, then closes. */
export function connectedRobot(core: RobotCore, connection: { links(): LinkStatus[]; close(): void }): Robot {
  return {
    executor: core.executor,
    status: () => core.status(connection.links()),
    stop: () => {
      core.executor.halt("shutdown");
      connection.close();
    },
  };
}
