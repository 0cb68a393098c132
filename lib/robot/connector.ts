import type { Config } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import type { RobotSettings } from "../platform/lookups.ts";
import type { Clock } from "../clock.ts";
import type { RobotCore } from "./core.ts";
import type { RobotEvent } from "./events.ts";
import type { Lifecycle } from "../process/lifecycle.ts";
import type { MediaControl } from "./media-control.ts";
import type { LinkStatus } from "./link-status.ts";
import type { Roles } from "./moderation.ts";

/** What a connector may use while it brings its platform up. */
interface ConnectorContext {
  log: Logger;
  clock: Clock;
  /** The run's event sink (one JSON line with --json, a log line otherwise). */
  emit: (event: RobotEvent) => void;
  /** Aborted at shutdown: lookups in flight give up. */
  signal: AbortSignal;
  /** Undone in reverse order at shutdown, after everything added later. */
  life: Lifecycle;
}

/**
 * One platform protocol (LetsRobot, Remo) as seen by the robot runtime. The runtime owns the driver,
 * dead-man, crash stop, speech, status and shutdown order; a connector owns only the wire: where the
 * robot's platform is, how its streams are uploaded, and the sockets that carry commands and chat.
 */
export interface Connector {
  /** Shown in logs ("LetsRobot", "Remo"). */
  readonly name: string;
  /** Check the config, start or look up the platform. Runs before the hardware opens. */
  open(context: ConnectorContext): Promise<Platform>;
}

/** The robot's platform once found: what the runtime needs to build the robot and connect it. */
interface Platform {
  /** The config the robot runs with (an embedded platform fills in ids and keys). */
  config: Config;
  robotId: string;
  roles: Roles;
  settings: RobotSettings;
  /** Re-read the robot's settings from the platform (`robot_settings_changed`). */
  fetchSettings: () => Promise<RobotSettings>;
  /** The streams' control: started now, or once the robot has joined (Remo uploads name the channel). */
  startMedia(): Promise<MediaControl>;
  /** Connect the sockets to the robot's core; commands and chat flow into it from then on. */
  connect(core: RobotCore): Connection;
  /** After the robot is up: say it is online and where to drive it. */
  announce?(): void;
}

export interface Connection {
  links(): LinkStatus[];
  /** Say something back in the platform's chat (replies to chat commands), when the platform has one. */
  say?(text: string): void;
  /** Sockets closed, timers cleared. */
  close(): void;
}
