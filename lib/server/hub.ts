import type { Logger } from "../log.ts";
import { ChatLog } from "./chat-log.ts";
import type { RobotRecord } from "./robot-record.ts";
import type { ClientSocket, SocketServer } from "./socket-server.ts";
import type { Store } from "./store.ts";
import type { Ack } from "./viewer-messages.ts";

/**
 * Live state of the socket side: which sockets speak for which robot, what robots last reported, who has
 * exclusive control. Rooms: `control:{id}` gets commands, `chat:{id}` chat events, `app:{id}` app events
 * (exclusive control, settings changed), `viewers:{id}` the pages watching the robot.
 */
export type RobotRole = "control" | "chat" | "app" | "any";

export interface RobotLive {
  /** Sockets that identified without presenting the robot key. */
  keyless: Set<string>;
  lastSeen?: number;
  videoStatus?: { send_video_process_exists: boolean; ffmpeg_process_exists: boolean; at: number };
  charge?: { charging: boolean; at: number };
  ip?: string;
  exclusive?: { user: string; since: number };
}

export interface RobotState {
  robot_id: string;
  online: boolean;
  sockets: { control: number; chat: number; app: number };
  viewers: number;
  exclusive: string | null;
  video_status: RobotLive["videoStatus"] | null;
  charge_state: RobotLive["charge"] | null;
}

export interface HubDeps {
  store: Store;
  log: Logger;
  now?: () => number;
}

export class Hub {
  readonly chat = new ChatLog();
  readonly now: () => number;
  private readonly live = new Map<string, RobotLive>();
  private io?: SocketServer;
  private readonly handlers: ((socket: ClientSocket) => void)[] = [];

  constructor(readonly deps: HubDeps) {
    this.now = deps.now ?? Date.now;
  }

  get store(): Store {
    return this.deps.store;
  }

  get log(): Logger {
    return this.deps.log;
  }

  attach(io: SocketServer): void {
    this.io = io;
  }

  /** Register per-socket event handlers (robot side, viewer side). */
  use(handler: (socket: ClientSocket) => void): void {
    this.handlers.push(handler);
  }

  onConnection(socket: ClientSocket): void {
    for (const handler of this.handlers) handler(socket);
  }

  emit(room: string, event: string, data: unknown): void {
    this.io?.emitTo(room, event, data);
  }

  roomSize(room: string): number {
    return this.io?.roomSize(room) ?? 0;
  }

  connections(): number {
    return this.io?.connections() ?? 0;
  }

  liveOf(robotId: string): RobotLive {
    let live = this.live.get(robotId);
    if (!live) this.live.set(robotId, (live = { keyless: new Set() }));
    return live;
  }

  state(robotId: string): RobotState {
    const live = this.liveOf(robotId);
    const sockets = { control: this.roomSize(`control:${robotId}`), chat: this.roomSize(`chat:${robotId}`), app: this.roomSize(`app:${robotId}`) };
    return {
      robot_id: robotId,
      online: sockets.control + sockets.chat + sockets.app > 0,
      sockets,
      viewers: this.roomSize(`viewers:${robotId}`),
      exclusive: live.exclusive?.user ?? null,
      video_status: live.videoStatus ?? null,
      charge_state: live.charge ?? null,
    };
  }

  /** Tell the pages watching a robot that something they show changed. */
  publishState(robotId: string): void {
    this.emit(`viewers:${robotId}`, "robot_state", this.state(robotId));
  }

  setExclusive(robot: RobotRecord, user: string | null): void {
    const live = this.liveOf(robot.id);
    const previous = live.exclusive?.user;
    live.exclusive = user ? { user, since: this.now() } : undefined;
    const event = { status: user ? "start" : "end", robot_id: robot.id, user: user ?? previous ?? null };
    this.emit(`app:${robot.id}`, "exclusive_control", event);
    this.emit(`viewers:${robot.id}`, "exclusive_control", event);
    this.publishState(robot.id);
  }

  settingsChanged(robot: RobotRecord): void {
    const event = { robot_id: robot.id };
    this.emit(`app:${robot.id}`, "robot_settings_changed", event);
    this.emit(`viewers:${robot.id}`, "robot_settings_changed", event);
  }
}

/** Call the client's ack callback when it gave one; otherwise report refusals as an `error_event`. */
export function reply(socket: ClientSocket, event: string, ack: ((reply: unknown) => void) | undefined, answer: Ack): void {
  if (ack) ack(answer);
  else if (!answer.ok) socket.emit("error_event", { event, error: answer.error, message: answer.message });
}
